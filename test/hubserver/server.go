package hubserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Server serves the objects added to it over both hub APIs.
type Server struct {
	mux     *http.ServeMux
	mu      sync.RWMutex
	objects map[key][]release
}

// key names an object in a catalog; kind is lowercase.
type key struct{ catalog, kind, name string }

// release is one version of an object.
type release struct {
	version string
	yaml    []byte
}

var _ http.Handler = (*Server)(nil)

// New returns an empty Server.
func New() *Server {
	s := &Server{mux: http.NewServeMux(), objects: map[key][]release{}}
	s.mux.HandleFunc("GET /api/v1/packages/{kind}/{catalog}/{name}/{version}", s.artifactPackage)
	s.mux.HandleFunc("GET /api/v1/packages/{kind}/{catalog}/{name}", s.artifactPackage)
	s.mux.HandleFunc("GET /v1/resource/{catalog}/{kind}/{name}/{version}/yaml", s.tektonYAML)
	s.mux.HandleFunc("GET /v1/resource/{catalog}/{kind}/{name}", s.tektonResource)
	return s
}

// Add stores yaml as version of the object kind/name (kind: task,
// pipeline or stepaction) in catalog, replacing what that version held.
func (s *Server) Add(catalog, kind, name, version string, yaml []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{catalog, strings.ToLower(kind), name}
	rs := slices.DeleteFunc(s.objects[k], func(r release) bool { return r.version == version })
	rs = append(rs, release{version: version, yaml: yaml})
	slices.SortFunc(rs, func(a, b release) int { return compare(a.version, b.version) })
	s.objects[k] = rs
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// releases returns the releases of an object, lowest version first.
func (s *Server) releases(catalog, kind, name string) []release {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.objects[key{catalog, kind, name}])
}

// find returns the highest release whose version, as form writes it, is v.
func find(rs []release, v string, form func(string) string) (release, bool) {
	for i := len(rs) - 1; i >= 0; i-- {
		if form(rs[i].version) == v {
			return rs[i], true
		}
	}
	return release{}, false
}

// artifactPackage answers Artifact Hub's package call; without a version,
// with the latest one.
func (s *Server) artifactPackage(w http.ResponseWriter, r *http.Request) {
	kind, ok := strings.CutPrefix(r.PathValue("kind"), "tekton-")
	rs := s.releases(r.PathValue("catalog"), kind, r.PathValue("name"))
	if !ok || len(rs) == 0 {
		http.NotFound(w, r)
		return
	}
	rel := rs[len(rs)-1]
	if v := r.PathValue("version"); v != "" {
		if rel, ok = find(rs, v, artifactVersion); !ok {
			http.NotFound(w, r)
			return
		}
	}
	type available struct {
		Version    string `json:"version"`
		Prerelease bool   `json:"prerelease"`
	}
	var versions []available
	for _, x := range rs {
		versions = append(versions, available{artifactVersion(x.version), strings.Contains(x.version, "-")})
	}
	writeJSON(w, map[string]any{
		"name":               r.PathValue("name"),
		"version":            artifactVersion(rel.version),
		"repository":         map[string]string{"name": r.PathValue("catalog")},
		"data":               map[string]string{"manifestRaw": string(rel.yaml)},
		"available_versions": versions,
	})
}

// tektonYAML answers the Tekton Hub's call for one version's YAML.
func (s *Server) tektonYAML(w http.ResponseWriter, r *http.Request) {
	rs := s.releases(r.PathValue("catalog"), r.PathValue("kind"), r.PathValue("name"))
	rel, ok := find(rs, r.PathValue("version"), tektonVersion)
	if !ok {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, map[string]any{"data": map[string]string{"yaml": string(rel.yaml)}})
}

// tektonResource answers the Tekton Hub's call listing an object's
// versions.
func (s *Server) tektonResource(w http.ResponseWriter, r *http.Request) {
	rs := s.releases(r.PathValue("catalog"), r.PathValue("kind"), r.PathValue("name"))
	if len(rs) == 0 {
		http.NotFound(w, r)
		return
	}
	var versions []map[string]string
	for _, x := range rs {
		if v := tektonVersion(x.version); len(versions) == 0 || versions[len(versions)-1]["version"] != v {
			versions = append(versions, map[string]string{"version": v})
		}
	}
	writeJSON(w, map[string]any{"data": map[string]any{
		"name":          r.PathValue("name"),
		"kind":          r.PathValue("kind"),
		"versions":      versions,
		"latestVersion": versions[len(versions)-1],
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, fmt.Sprintf("encoding answer: %v", err), http.StatusInternalServerError)
	}
}

// numbers splits a version's release part ("v0.6.1-rc1" → 0, 6, 1) and
// returns its suffix ("-rc1"); ok is false when it is not numeric.
func numbers(v string) (nums []int, suffix string, ok bool) {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v, suffix = v[:i], v[i:]
	}
	for _, f := range strings.Split(v, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, "", false
		}
		nums = append(nums, n)
	}
	return nums, suffix, true
}

// artifactVersion writes a version as Artifact Hub does: major.minor.patch.
func artifactVersion(v string) string { return form(v, 3, false) }

// tektonVersion writes a version as the Tekton Hub does: major.minor.
func tektonVersion(v string) string { return form(v, 2, true) }

// form pads a numeric version to n numbers (and cuts it to n if cut);
// other versions are left as they are.
func form(v string, n int, cut bool) string {
	nums, suffix, ok := numbers(v)
	if !ok {
		return v
	}
	for len(nums) < n {
		nums = append(nums, 0)
	}
	if cut {
		nums = nums[:n]
		suffix = ""
	}
	parts := make([]string, len(nums))
	for i, x := range nums {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ".") + suffix
}

// compare orders versions numerically, a release after its prereleases;
// non-numeric versions sort first, by text.
func compare(a, b string) int {
	na, sa, oka := numbers(a)
	nb, sb, okb := numbers(b)
	if !oka || !okb {
		if oka != okb {
			return boolOrder(oka)
		}
		return strings.Compare(a, b)
	}
	for i := range max(len(na), len(nb)) {
		if x, y := at(na, i), at(nb, i); x != y {
			return x - y
		}
	}
	if (sa == "") != (sb == "") {
		return boolOrder(sa == "")
	}
	return strings.Compare(sa, sb)
}

// boolOrder is 1 if the first of two values is the greater, else -1.
func boolOrder(firstGreater bool) int {
	if firstGreater {
		return 1
	}
	return -1
}

func at(nums []int, i int) int {
	if i < len(nums) {
		return nums[i]
	}
	return 0
}

// Command lint checks two house rules that go vet and staticcheck do not:
// no function in cmd/ or pkg/ (tests aside) is longer than -max-lines, and
// log calls use constant messages and lowerCamel keys, the same keys
// everywhere (../shared/STYLE.md §4). It prints one line per finding and
// exits 1 if there is any.
//
//	go run ./hack/lint [-max-lines 55] [dir ...]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	maxLines := flag.Int("max-lines", 55, "longest function allowed, in lines")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = []string{"cmd", "pkg"}
	}
	var findings []string
	for _, d := range dirs {
		f, err := lintDir(d, *maxLines)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lint:", err)
			os.Exit(2)
		}
		findings = append(findings, f...)
	}
	sort.Strings(findings)
	for _, f := range findings {
		fmt.Println(f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "lint: %d finding(s)\n", len(findings))
		os.Exit(1)
	}
}

func lintDir(dir string, maxLines int) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		out = append(out, lintFile(fset, f, maxLines)...)
		return nil
	})
	return out, err
}

func lintFile(fset *token.FileSet, f *ast.File, maxLines int) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Body != nil {
				start, end := fset.Position(n.Pos()), fset.Position(n.End())
				if lines := end.Line - start.Line + 1; lines > maxLines {
					out = append(out, fmt.Sprintf("%s: func %s is %d lines (max %d): split it", start, n.Name.Name, lines, maxLines))
				}
			}
		case *ast.CallExpr:
			out = append(out, checkLogCall(fset, n)...)
		}
		return true
	})
	return out
}

var lowerCamel = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// zapFields are zap's typed field constructors, whose first argument is a key.
var zapFields = map[string]bool{"String": true, "Int": true, "Int64": true, "Int32": true, "Bool": true,
	"Duration": true, "Float64": true, "Time": true, "Strings": true, "Any": true, "Stringer": true, "Uint64": true}

// checkLogCall checks logr-style calls (Info(msg, k, v, ...), Error(err,
// msg, k, v, ...), WithValues(k, v, ...)) and zap field constructors. It
// goes by shape, not type: a call named Info whose first argument is a
// string literal is taken for a log call.
func checkLogCall(fset *token.FileSet, c *ast.CallExpr) []string {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	pos := fset.Position(c.Pos())
	var keys []ast.Expr
	switch {
	case isIdent(sel.X, "zap") && zapFields[sel.Sel.Name] && len(c.Args) > 0:
		keys = c.Args[:1]
	case sel.Sel.Name == "WithValues":
		keys = evens(c.Args)
	case sel.Sel.Name == "Info" && len(c.Args) > 0 && isString(c.Args[0]):
		keys = evens(c.Args[1:])
	case sel.Sel.Name == "Error" && len(c.Args) > 1 && isString(c.Args[1]):
		keys = evens(c.Args[2:])
	case (sel.Sel.Name == "Info" || sel.Sel.Name == "Error") && len(c.Args) > 0 && isSprintf(c.Args[len(c.Args)-1]):
		return []string{fmt.Sprintf("%s: log message built with fmt.Sprintf: keep it constant and put values in fields", pos)}
	default:
		return nil
	}
	var out []string
	for _, k := range keys {
		lit, ok := k.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			continue // a zap.Field or a variable: not checked here
		}
		if s, err := strconv.Unquote(lit.Value); err == nil && !lowerCamel.MatchString(s) {
			out = append(out, fmt.Sprintf("%s: log key %q is not lowerCamel", pos, s))
		}
	}
	return out
}

func evens(args []ast.Expr) []ast.Expr {
	var out []ast.Expr
	for i := 0; i < len(args); i += 2 {
		out = append(out, args[i])
	}
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isString(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING
}

func isSprintf(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	return ok && isIdent(sel.X, "fmt") && sel.Sel.Name == "Sprintf"
}

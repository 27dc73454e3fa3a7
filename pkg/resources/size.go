package resources

import "encoding/json"

// MaxObjectBytes is the largest object, as JSON, that the reconcilers write:
// etcd refuses requests over 1.5 MiB by default (--max-request-bytes), and
// the API server's own envelope needs some room.
const MaxObjectBytes = 1_400_000

// ObjectSize is obj's size as JSON, the form the API server stores custom
// resources in; -1 if it does not encode.
func ObjectSize(obj any) int {
	b, err := json.Marshal(obj)
	if err != nil {
		return -1
	}
	return len(b)
}

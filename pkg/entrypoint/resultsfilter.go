package entrypoint

import (
	"bytes"
	"io"
)

// ResultsFilter passes a container's log through, leaving out the lines
// of results blocks (and the empty line the shim writes before one), so
// that readers of a step's log see only what the step printed. A line the
// step printed that starts like a block line (ResultsTagPrefix, 32 hex
// digits and ':') is left out too.
type ResultsFilter struct {
	w io.Writer
	// head holds the start of the current line until it is long enough to
	// tell whether it is a block line.
	head []byte
	// decided: the current line's fate is known; drop says which.
	decided, drop bool
	// emptyHeld: an empty line waits to see whether a block follows.
	emptyHeld bool
	err       error
}

// NewResultsFilter returns a filter writing to w. Call Flush at the end.
func NewResultsFilter(w io.Writer) *ResultsFilter { return &ResultsFilter{w: w} }

// Write implements io.Writer.
func (f *ResultsFilter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && f.err == nil {
		if f.decided {
			i := bytes.IndexByte(p, '\n')
			end := len(p)
			if i >= 0 {
				end = i + 1
				f.decided = false
			}
			if !f.drop {
				f.emit(p[:end])
			}
			p = p[end:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		take := len(p)
		if i >= 0 {
			take = i + 1
		}
		take = min(take, tagLen+1-len(f.head))
		f.head = append(f.head, p[:take]...)
		p = p[take:]
		f.decide()
	}
	return n, f.err
}

// decide settles the current line once head is a whole line or long
// enough to compare with a block line's start.
func (f *ResultsFilter) decide() {
	whole := bytes.HasSuffix(f.head, []byte("\n"))
	if !whole && len(f.head) < tagLen+1 && mayStartBlockLine(f.head) {
		return
	}
	line := f.head
	f.head = f.head[:0:0]
	switch {
	case whole && len(line) == 1:
		if f.emptyHeld {
			f.emit(line)
		}
		f.emptyHeld = true
		return
	case isBlockLine(line):
		f.emptyHeld, f.drop = false, true
	default:
		if f.emptyHeld {
			f.emit([]byte("\n"))
			f.emptyHeld = false
		}
		f.drop = false
		f.emit(line)
	}
	f.decided = !whole
}

func (f *ResultsFilter) emit(b []byte) {
	if f.err == nil {
		_, f.err = f.w.Write(b)
	}
}

// Flush writes what the filter still holds.
func (f *ResultsFilter) Flush() error {
	if f.emptyHeld {
		f.emit([]byte("\n"))
		f.emptyHeld = false
	}
	if len(f.head) > 0 && !isBlockLine(f.head) {
		f.emit(f.head)
	}
	f.head = nil
	return f.err
}

// mayStartBlockLine reports whether head could still grow into a block
// line: a line that cannot is passed on at once (a prompt without a
// newline shows while the step waits).
func mayStartBlockLine(head []byte) bool {
	n := min(len(head), len(ResultsTagPrefix))
	if !bytes.Equal(head[:n], []byte(ResultsTagPrefix[:n])) {
		return false
	}
	for _, c := range head[n:min(len(head), tagLen)] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// FilterResults returns a reader of rc's content without results blocks
// (see ResultsFilter); closing it closes rc.
func FilterResults(rc io.ReadCloser) io.ReadCloser {
	fr := &filterReader{src: rc, chunk: make([]byte, 32<<10)}
	fr.f = NewResultsFilter(&fr.buf)
	return fr
}

type filterReader struct {
	src   io.ReadCloser
	f     *ResultsFilter
	buf   bytes.Buffer
	chunk []byte
	eof   bool
}

func (fr *filterReader) Read(p []byte) (int, error) {
	for fr.buf.Len() == 0 && !fr.eof {
		n, err := fr.src.Read(fr.chunk)
		if n > 0 {
			_, _ = fr.f.Write(fr.chunk[:n]) // a bytes.Buffer does not fail
		}
		switch {
		case err == io.EOF:
			_ = fr.f.Flush()
			fr.eof = true
		case err != nil:
			return 0, err
		}
	}
	if fr.buf.Len() == 0 {
		return 0, io.EOF
	}
	return fr.buf.Read(p)
}

func (fr *filterReader) Close() error { return fr.src.Close() }

// isBlockLine reports whether line starts with a results tag and ':'.
func isBlockLine(line []byte) bool {
	if len(line) < tagLen+1 || !bytes.HasPrefix(line, []byte(ResultsTagPrefix)) || line[tagLen] != ':' {
		return false
	}
	for _, c := range line[len(ResultsTagPrefix):tagLen] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

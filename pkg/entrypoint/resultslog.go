package entrypoint

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxResultsBytes is the most a TaskRun's results may take together
// (docs/design.md D22): what fits a TaskRun comfortably under the API
// server's 1.5 MiB object limit.
const MaxResultsBytes = 1 << 20

// DefaultMaxResultBytes bounds one result when the feature-flags ConfigMap
// sets no max-result-size (Tekton's key, which bounds each result).
const DefaultMaxResultBytes = MaxResultsBytes

// Results that do not fit the termination message go to the end of the
// step container's log as a block: a header line "<tag>:results", then
// the base64 of a JSON payload in numbered lines "<tag>:<n>:<data>". The
// tag is ResultsTagPrefix and 16 random hex digits drawn after the step's
// process ended, so nothing the step printed can pass for the block.
const (
	// ResultsTagPrefix starts every line of a results block.
	ResultsTagPrefix = "slipway-results-"
	// resultsLineData is the base64 carried per line, so that a whole line
	// stays under PIPE_BUF (4096 bytes) and is written atomically: output
	// of a process the step left behind cannot land inside it.
	resultsLineData = 3000
	// resultsTailSlack is how many lines of the step's other stream may
	// land after the block (still in the pipe when the shim wrote it).
	resultsTailSlack = 64
	tagHex           = 16 // 64 random bits
	tagLen           = len(ResultsTagPrefix) + tagHex
)

// ResultsLog, in a termination message, says that the step's results are
// in a block at the end of its container's log, and how to check it. In
// JSON it is as short as it can be (a pod of 100 containers gives each
// 122 bytes of termination message): {"t":..,"n":..,"b":..,"h":..}, the
// tag without its prefix.
type ResultsLog struct {
	// Tag starts every line of the block (ResultsTagPrefix and hex).
	Tag string
	// Lines is the number of data lines, Bytes the payload's size.
	Lines, Bytes int
	// SHA256 is the first 64 bits of the payload's SHA-256, in hex.
	SHA256 string
}

type resultsLogJSON struct {
	Tag    string `json:"t"`
	Lines  int    `json:"n"`
	Bytes  int    `json:"b"`
	SHA256 string `json:"h"`
}

// MarshalJSON implements json.Marshaler.
func (rl ResultsLog) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultsLogJSON{Tag: strings.TrimPrefix(rl.Tag, ResultsTagPrefix), Lines: rl.Lines, Bytes: rl.Bytes, SHA256: rl.SHA256})
}

// UnmarshalJSON implements json.Unmarshaler.
func (rl *ResultsLog) UnmarshalJSON(b []byte) error {
	var j resultsLogJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*rl = ResultsLog{Tag: ResultsTagPrefix + j.Tag, Lines: j.Lines, Bytes: j.Bytes, SHA256: j.SHA256}
	return nil
}

// resultsPayload is what a results block carries.
type resultsPayload struct {
	Results     map[string]string `json:"results,omitempty"`
	StepResults map[string]string `json:"stepResults,omitempty"`
}

// writeResultsBlock writes results and step results to w as a block and
// returns its description for the termination message. The block starts
// on a line of its own.
func writeResultsBlock(w io.Writer, results, stepResults map[string]string) (*ResultsLog, error) {
	payload, err := json.Marshal(resultsPayload{Results: results, StepResults: stepResults})
	if err != nil {
		return nil, fmt.Errorf("encoding results: %w", err)
	}
	var tag [tagHex / 2]byte
	if _, err := rand.Read(tag[:]); err != nil {
		return nil, fmt.Errorf("drawing a results tag: %w", err)
	}
	rl := &ResultsLog{Tag: ResultsTagPrefix + hex.EncodeToString(tag[:]), Bytes: len(payload), SHA256: digest(payload)}
	enc := base64.StdEncoding.EncodeToString(payload)
	line := make([]byte, 0, tagLen+16+resultsLineData)
	line = append(append(append(line, '\n'), rl.Tag...), ":results\n"...)
	for {
		if _, err := w.Write(line); err != nil {
			return nil, fmt.Errorf("writing results to the log: %w", err)
		}
		if len(enc) == 0 {
			return rl, nil
		}
		n := min(resultsLineData, len(enc))
		line = append(append(append(append(line[:0], rl.Tag...), ':'), strconv.Itoa(rl.Lines)...), ':')
		line = append(append(line, enc[:n]...), '\n')
		enc = enc[n:]
		rl.Lines++
	}
}

// digest is the first 64 bits of payload's SHA-256, in hex: enough to
// catch a damaged block (the random tag already tells the shim's block from
// the step's output), in the little room of a termination message.
func digest(payload []byte) string {
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:8])
}

// TailLines is how many lines from the end of the container's log hold
// the block, with slack for output of the step that landed after it.
func (rl ResultsLog) TailLines() int64 { return int64(rl.Lines) + 1 + resultsTailSlack }

// ErrResultsIncomplete: the log read did not hold the whole block (read
// more of it, or the log is gone).
var ErrResultsIncomplete = errors.New("the results block is not complete in the log")

// Decode finds the block rl describes in a container's log and returns the
// results and step results it carries, checked against rl's digest.
func (rl ResultsLog) Decode(log io.Reader) (results, stepResults map[string]string, err error) {
	if err := rl.check(); err != nil {
		return nil, nil, err
	}
	chunks := make([][]byte, rl.Lines)
	prefix := []byte(rl.Tag + ":")
	br := bufio.NewReaderSize(log, 64<<10)
	for {
		line, rerr := readLine(br, len(prefix)+resultsLineData+16)
		if bytes.HasPrefix(line, prefix) {
			if n, data, ok := blockLine(line[len(prefix):]); ok && n < len(chunks) {
				chunks[n] = data
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, nil, fmt.Errorf("reading the log: %w", rerr)
		}
	}
	var enc []byte
	for _, c := range chunks {
		if c == nil {
			return nil, nil, ErrResultsIncomplete
		}
		enc = append(enc, c...)
	}
	payload, err := base64.StdEncoding.DecodeString(string(enc))
	if err != nil || len(payload) != rl.Bytes || digest(payload) != rl.SHA256 {
		return nil, nil, fmt.Errorf("the results block in the log does not match its digest")
	}
	var p resultsPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, nil, fmt.Errorf("decoding the results block: %w", err)
	}
	return p.Results, p.StepResults, nil
}

// maxDecodeBytes bounds what Decode accepts, whatever a termination
// message claims: far above any max-result-size an API object can hold.
const maxDecodeBytes = 64 << 20

// check refuses a description no block written by writeResultsBlock has.
func (rl ResultsLog) check() error {
	enc := base64.StdEncoding.EncodedLen(rl.Bytes)
	if rl.Bytes <= 0 || rl.Bytes > maxDecodeBytes || rl.Lines != (enc+resultsLineData-1)/resultsLineData ||
		len(rl.Tag) != tagLen || !isBlockLine([]byte(rl.Tag+":")) {
		return fmt.Errorf("the termination message describes no valid results block (%d bytes in %d lines, tag %q)",
			rl.Bytes, rl.Lines, truncate(rl.Tag, 64))
	}
	return nil
}

// readLine returns the next line without its newline, keeping at most max
// bytes of it (longer lines are not the block's and are cut).
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line) < max {
			line = append(line, frag[:min(len(frag), max-len(line))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), err
	}
}

// blockLine parses "<n>:<data>" after a line's tag.
func blockLine(rest []byte) (int, []byte, bool) {
	i := bytes.IndexByte(rest, ':')
	if i <= 0 {
		return 0, nil, false
	}
	n, err := strconv.Atoi(string(rest[:i]))
	if err != nil || n < 0 {
		return 0, nil, false
	}
	return n, append([]byte(nil), rest[i+1:]...), true
}

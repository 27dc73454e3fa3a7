package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// maxResponse bounds what is read of a hub's answer.
const maxResponse = 8 << 20

// getJSON GETs u and decodes its JSON answer into v. Its errors wrap
// ErrNotFound (404), ErrAuth (401, 403) or ErrUnreachable (no answer).
func (r *Resolver) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("building request for %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return fmt.Errorf("hub %w: %w", resolution.ErrUnreachable, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: GET %s answered %s", resolution.ErrNotFound, u, resp.Status)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: GET %s answered %s", resolution.ErrAuth, u, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s answered %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("reading answer of GET %s: %w", u, err)
	}
	if len(body) > maxResponse {
		return fmt.Errorf("answer of GET %s is larger than %d bytes", u, maxResponse)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding answer of GET %s: %w", u, err)
	}
	return nil
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// maxResponseBytes bounds what the client reads of one answer.
const maxResponseBytes = 256 << 20

// Client talks to the REST API.
type Client struct {
	// BaseURL is the server's root, e.g. "http://127.0.0.1:5681".
	BaseURL string
	// Token is the admin token, sent on every request when not empty.
	Token string
	// HTTP is the client to use; nil means http.DefaultClient.
	HTTP *http.Client
}

// Error is an error answered by the server.
type Error struct {
	Status  int
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (field %s, HTTP %d)", e.Message, e.Field, e.Status)
	}
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
}

// Is makes errors.Is(err, store.ErrNotFound) true for a 404, and store.ErrConflict for a
// version conflict.
func (e *Error) Is(target error) bool {
	switch target {
	case store.ErrNotFound:
		return e.Status == http.StatusNotFound
	case store.ErrConflict:
		return e.Status == http.StatusConflict && e.Field == "version"
	}
	return false
}

// Apply sends a multi-document YAML stream, a JSON resource or a JSON array to /apply and
// returns the stored resources.
func (c *Client) Apply(ctx context.Context, body []byte) ([]*resource.Resource, error) {
	var out resourceList
	err := c.do(ctx, http.MethodPost, "/api/v1/apply", body, &out)
	return out.Resources, err
}

// Put stores r at its key; a non-zero r.Version makes the write conditional on it.
func (c *Client) Put(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	body, err := resource.MarshalJSON(r)
	if err != nil {
		return nil, err
	}
	var out resource.Resource
	if err := c.do(ctx, http.MethodPut, resourcePath(r.Key()), body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get returns one resource.
func (c *Client) Get(ctx context.Context, key resource.Key) (*resource.Resource, error) {
	var out resource.Resource
	if err := c.do(ctx, http.MethodGet, resourcePath(key), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns the resources of a kind, in one mesh or (mesh "") in all.
func (c *Client) List(ctx context.Context, kind resource.Kind, mesh string) ([]*resource.Resource, error) {
	p := "/api/v1/resources/" + url.PathEscape(string(kind))
	if mesh != "" {
		p += "?mesh=" + url.QueryEscape(mesh)
	}
	var out resourceList
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out.Resources, err
}

// Delete removes one resource.
func (c *Client) Delete(ctx context.Context, key resource.Key) error {
	return c.do(ctx, http.MethodDelete, resourcePath(key), nil, nil)
}

// Zones returns the status of every zone.
func (c *Client) Zones(ctx context.Context) ([]ZoneStatus, error) {
	var out zoneList
	err := c.do(ctx, http.MethodGet, "/api/v1/zones", nil, &out)
	return out.Zones, err
}

// InspectDataplane returns the config a proxy is currently served (mesh "" for an ingress).
func (c *Client) InspectDataplane(ctx context.Context, mesh, name string) (*ProxyConfig, error) {
	if mesh == "" {
		mesh = NoMesh
	}
	var out ProxyConfig
	p := "/api/v1/inspect/dataplanes/" + url.PathEscape(mesh) + "/" + url.PathEscape(name)
	if err := c.do(ctx, http.MethodGet, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func resourcePath(k resource.Key) string {
	mesh := k.Mesh
	if mesh == "" {
		mesh = NoMesh
	}
	return "/api/v1/resources/" + url.PathEscape(string(k.Kind)) + "/" + url.PathEscape(mesh) + "/" + url.PathEscape(k.Name)
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	if body != nil {
		ct := "application/yaml"
		if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("api: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
			eb.Error = strings.TrimSpace(string(data))
			if eb.Error == "" {
				eb.Error = http.StatusText(resp.StatusCode)
			}
		}
		return &Error{Status: resp.StatusCode, Message: eb.Error, Field: eb.Field}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("api: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

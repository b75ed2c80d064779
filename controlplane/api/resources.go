package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// NoMesh stands for the empty mesh of unscoped kinds in paths: /resources/Zone/_/zone-1.
const NoMesh = "_"

// resourceList is the body of list and apply answers.
type resourceList struct {
	Resources []*resource.Resource `json:"resources"`
}

func pathKind(r *http.Request) (resource.Kind, error) {
	k, err := resource.ParseKind(r.PathValue("kind"))
	if err != nil {
		return "", withStatus(http.StatusBadRequest, "kind", err)
	}
	return k, nil
}

func pathKey(r *http.Request) (resource.Key, error) {
	k, err := pathKind(r)
	if err != nil {
		return resource.Key{}, err
	}
	mesh := r.PathValue("mesh")
	if mesh == NoMesh {
		mesh = ""
	}
	return resource.Key{Kind: k, Mesh: mesh, Name: r.PathValue("name")}, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	k, err := pathKind(r)
	if err != nil {
		return err
	}
	rs, err := s.opts.Store.List(r.Context(), k, r.URL.Query().Get("mesh"))
	if err != nil {
		return err
	}
	for _, res := range rs {
		redact(res)
	}
	writeJSON(w, http.StatusOK, resourceList{Resources: rs})
	return nil
}

// redact hides secrets from reads: a mesh CA's private key never leaves the control planes
// through the API (zones receive it over authenticated KDS).
func redact(r *resource.Resource) {
	if ca, ok := r.Spec.(*resource.MeshCASpec); ok {
		ca.KeyPEM = "(redacted)"
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) error {
	key, err := pathKey(r)
	if err != nil {
		return err
	}
	res, err := s.opts.Store.Get(r.Context(), key)
	if err != nil {
		return err
	}
	redact(res)
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	key, err := pathKey(r)
	if err != nil {
		return err
	}
	if err := s.writable(key.Kind); err != nil {
		return err
	}
	if err := s.opts.Store.Delete(r.Context(), key); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// put stores one resource (JSON or YAML) at its path. A version in the body makes the write
// conditional on it (409 when the stored version differs).
func (s *Server) put(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	key, err := pathKey(r)
	if err != nil {
		return err
	}
	if err := s.writable(key.Kind); err != nil {
		return err
	}
	body, err := s.readBody(w, r, resource.MaxDocumentBytes)
	if err != nil {
		return err
	}
	res, err := resource.Decode(body)
	if err != nil {
		return withStatus(http.StatusBadRequest, "", err)
	}
	switch {
	case res.Kind != key.Kind:
		return withStatus(http.StatusBadRequest, "kind", fmt.Errorf("body is a %s; the path names %s", res.Kind, key.Kind))
	case res.Mesh != key.Mesh:
		return withStatus(http.StatusBadRequest, "mesh", fmt.Errorf("body has mesh %q; the path names %q", res.Mesh, key.Mesh))
	case res.Name != key.Name:
		return withStatus(http.StatusBadRequest, "name", fmt.Errorf("body has name %q; the path names %q", res.Name, key.Name))
	}
	var opts []store.PutOption
	if res.Version != 0 {
		opts = append(opts, store.IfVersion(res.Version))
	}
	res.Origin = s.opts.Origin
	stored, err := s.opts.Store.Put(r.Context(), res, opts...)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, stored)
	return nil
}

// apply stores every resource of a multi-document YAML stream, a JSON resource or a JSON
// array of resources. All are decoded, validated and checked before the first is written,
// and stored in one commit.
// Versions in the body are ignored: apply makes the stored state what the body says.
func (s *Server) apply(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r, s.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	rs, err := decodeApply(body)
	if err != nil {
		return err
	}
	seen := make(map[resource.Key]int, len(rs))
	for i, res := range rs {
		if err := s.writable(res.Kind); err != nil {
			return err
		}
		if j, dup := seen[res.Key()]; dup {
			return withStatus(http.StatusBadRequest, "name", fmt.Errorf("resources %d and %d are both %s", j, i, res.Key()))
		}
		seen[res.Key()] = i
		res.Origin = s.opts.Origin
	}
	// One commit (one fsync) for the whole apply when the store can batch, as both of
	// package store's can; then a failure stores nothing.
	out, err := store.PutAll(r.Context(), s.opts.Store, rs)
	if err != nil {
		return fmt.Errorf("apply (%d of %d stored): %w", len(out), len(rs), err)
	}
	writeJSON(w, http.StatusOK, resourceList{Resources: out})
	return nil
}

// decodeApply reads an apply body: JSON when it starts with '{' or '[', YAML otherwise.
func decodeApply(body []byte) ([]*resource.Resource, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return nil, withStatus(http.StatusBadRequest, "", errors.New("empty body"))
	}
	var rs []*resource.Resource
	switch t[0] {
	case '{':
		res, err := resource.Decode(t)
		if err != nil {
			return nil, withStatus(http.StatusBadRequest, "", err)
		}
		rs = []*resource.Resource{res}
	case '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(t, &raws); err != nil {
			return nil, withStatus(http.StatusBadRequest, "", fmt.Errorf("bad JSON array: %w", err))
		}
		if len(raws) == 0 {
			return nil, withStatus(http.StatusBadRequest, "", errors.New("no resources"))
		}
		if len(raws) > MaxApplyResources {
			return nil, withStatus(http.StatusRequestEntityTooLarge, "", fmt.Errorf("%d resources; at most %d", len(raws), MaxApplyResources))
		}
		for i, raw := range raws {
			res, err := resource.Decode(raw)
			if err != nil {
				return nil, withStatus(http.StatusBadRequest, "", fmt.Errorf("resource %d: %w", i, err))
			}
			rs = append(rs, res)
		}
	default:
		var err error
		if rs, err = resource.DecodeYAML("body", body); err != nil {
			return nil, withStatus(http.StatusBadRequest, "", err)
		}
	}
	if len(rs) > MaxApplyResources {
		return nil, withStatus(http.StatusRequestEntityTooLarge, "", fmt.Errorf("%d resources; at most %d", len(rs), MaxApplyResources))
	}
	return rs, nil
}

// readBody reads the whole body, refusing more than limit bytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if limit > s.opts.MaxBodyBytes {
		limit = s.opts.MaxBodyBytes
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fmt.Errorf("body larger than %d bytes: %w", limit, err)
		}
		return nil, withStatus(http.StatusBadRequest, "", fmt.Errorf("read body: %w", err))
	}
	return b, nil
}

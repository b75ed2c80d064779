package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
)

// fuzzServer serves in-process (no socket) so the fuzzer runs many inputs per second.
func fuzzServer(t *testing.T) (http.Handler, store.Store) {
	s := store.NewMemory(storetest.NewClock().Now)
	t.Cleanup(func() { s.Close() })
	h, err := api.New(api.Options{Store: s, Origin: "global", AdminToken: token, MaxBodyBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

// checkAnswer asserts what holds for any input: no 5xx, a JSON error body on failure, and no
// write unless the request succeeded.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, s store.Store) {
	t.Helper()
	switch rec.Code {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge:
		var eb struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == "" {
			t.Fatalf("status %d with body %q", rec.Code, rec.Body.Bytes())
		}
		if s.Revision() != 0 {
			t.Fatalf("status %d but the store changed", rec.Code)
		}
	default:
		t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
	}
}

func FuzzApply(f *testing.F) {
	f.Add([]byte(policies))
	f.Add([]byte(`{"kind":"Mesh","name":"default","spec":{"mtls":{"enabled":true}}}`))
	f.Add([]byte(`[{"kind":"Zone","name":"z","spec":{}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, s := fuzzServer(t)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/apply", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, rec, s)
		if rec.Code != http.StatusOK {
			return
		}
		var out struct {
			Resources []*resource.Resource `json:"resources"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Resources) == 0 {
			t.Fatalf("answer %q: %v", rec.Body.Bytes(), err)
		}
		for _, r := range out.Resources {
			if err := resource.Validate(r); err != nil {
				t.Fatalf("stored an invalid resource: %v", err)
			}
			got, err := s.Get(context.Background(), r.Key())
			if err != nil || got.Version != r.Version {
				t.Fatalf("answered %s version %d; store has %v, %v", r.Key(), r.Version, got, err)
			}
		}
	})
}

func FuzzPut(f *testing.F) {
	f.Add("Zone", "_", "z", []byte(`{"kind":"Zone","name":"z","spec":{"enabled":false}}`))
	f.Add("TrafficPermission", "default", "p", []byte("kind: TrafficPermission\nmesh: default\nname: p\nspec: {destination: {service: a}, sources: [{service: b}], action: deny}\n"))
	f.Add("Mesh", "_", "m", []byte(`{"kind":"Mesh","name":"m","version":3,"spec":{"mtls":{"enabled":true}}}`))
	f.Fuzz(func(t *testing.T, kind, mesh, name string, body []byte) {
		h, s := fuzzServer(t)
		path := "/api/v1/resources/" + url.PathEscape(kind) + "/" + url.PathEscape(mesh) + "/" + url.PathEscape(name)
		req := httptest.NewRequest(http.MethodPut, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
			// An empty or odd path segment matches no route (or another one); still JSON.
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("status %d with body %q", rec.Code, rec.Body.Bytes())
			}
			return
		}
		checkAnswer(t, rec, s)
		if rec.Code == http.StatusOK {
			r, err := resource.UnmarshalJSON(bytes.TrimSpace(rec.Body.Bytes()))
			if err != nil || resource.Validate(r) != nil {
				t.Fatalf("answer %q: %v", rec.Body.Bytes(), err)
			}
		}
	})
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// errorBody is the JSON form of every error the server answers.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// httpError is an error with the status and field the server should answer with.
type httpError struct {
	status int
	field  string
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func withStatus(status int, field string, err error) error {
	return &httpError{status: status, field: field, err: err}
}

// classify picks the status and field for err.
func classify(err error) (int, string) {
	var he *httpError
	var ve *resource.ValidationError
	var fe *resource.FieldError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, ""
	case errors.As(err, &he):
		field := he.field
		if field == "" && errors.As(err, &ve) && len(ve.Errors) > 0 {
			field = ve.Errors[0].Path
		}
		return he.status, field
	case errors.As(err, &ve):
		if len(ve.Errors) > 0 {
			return http.StatusBadRequest, ve.Errors[0].Path
		}
		return http.StatusBadRequest, ""
	case errors.As(err, &fe):
		return http.StatusBadRequest, fe.Path
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, ""
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "version"
	case errors.Is(err, store.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, ""
	}
	return http.StatusInternalServerError, ""
}

func writeError(w http.ResponseWriter, err error) {
	status, field := classify(err)
	writeJSON(w, status, errorBody{Error: err.Error(), Field: field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "encode response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrSchemaVersion marks a results file whose schema version this build cannot read.
var ErrSchemaVersion = errors.New("reports: unsupported schema version")

// maxResultsBytes bounds what Read accepts; a results file of a long load test with
// per-second buckets and 100k propagation samples stays well below it.
const maxResultsBytes = 256 << 20

// Write validates r and writes it as indented JSON. An empty SchemaVersion is filled in.
func Write(w io.Writer, r *Results) error {
	if r.SchemaVersion == "" {
		r.SchemaVersion = SchemaVersion
	}
	if err := r.Validate(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("reports: encode results: %w", err)
	}
	return nil
}

// Read decodes a results file, refuses an unknown major schema version and validates it.
// Unknown fields are ignored so that files of a newer minor version still read.
func Read(rd io.Reader) (*Results, error) {
	data, err := io.ReadAll(io.LimitReader(rd, maxResultsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reports: read results: %w", err)
	}
	if len(data) > maxResultsBytes {
		return nil, fmt.Errorf("reports: results larger than %d bytes", maxResultsBytes)
	}
	// Look at the version first so an incompatible file gets the version error, not a
	// confusing type error from a field that changed meaning.
	var head struct {
		SchemaVersion string `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("reports: decode results: %w", err)
	}
	if err := checkVersion(head.SchemaVersion); err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reports: decode results: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func checkVersion(v string) error {
	if v == "" {
		return fmt.Errorf("%w: schemaVersion is missing (this build reads %s)", ErrSchemaVersion, SchemaVersion)
	}
	major, _, _ := strings.Cut(v, ".")
	want, _, _ := strings.Cut(SchemaVersion, ".")
	if _, err := strconv.Atoi(major); err != nil {
		return fmt.Errorf("%w: schemaVersion %q is not MAJOR.MINOR", ErrSchemaVersion, v)
	}
	if major != want {
		return fmt.Errorf("%w: schemaVersion %q has major version %s, this build reads %s.x", ErrSchemaVersion, v, major, want)
	}
	return nil
}

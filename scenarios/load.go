package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a scenario file; larger input is refused before parsing.
const MaxFileSize = 4 << 20

// Load reads and validates the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("scenarios: read %s: %w", path, err)
	}
	return Parse(path, data)
}

var reSyntax = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse decodes and validates a scenario; name is used in error messages and as Scenario.File.
// A returned error is an Errors list (every problem found, in line order) wrapping ErrInvalid.
func Parse(name string, data []byte) (*Scenario, error) {
	if len(data) > MaxFileSize {
		return nil, Errors{{File: name, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileSize)}}
	}
	// First pass: the node tree, for positions and syntax errors.
	var doc yaml.Node
	nodes := yaml.NewDecoder(bytes.NewReader(data))
	if err := nodes.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Line: 1, Msg: "empty scenario file"}}
		}
		return nil, Errors{syntaxError(name, err)}
	}
	var extra yaml.Node
	if err := nodes.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, Errors{syntaxError(name, err)}
		}
		return nil, Errors{{File: name, Line: line, Msg: "more than one YAML document; a scenario file holds one"}}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, Errors{{File: name, Line: doc.Line, Msg: "a scenario file must be a mapping (name, topology, timeline, …)"}}
	}
	pos := indexPositions(&doc)

	// Second pass: strict decode into the types.
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Errors{syntaxError(name, err)}
		}
		errs := make(Errors, 0, len(te.Errors))
		for _, m := range te.Errors {
			errs = append(errs, pos.fromDecoder(name, m))
		}
		return nil, errs.sorted()
	}
	s.File = name
	v := &validator{file: name, pos: pos, s: &s}
	v.run()
	if len(v.errs) > 0 {
		return nil, v.errs.sorted()
	}
	return &s, nil
}

func syntaxError(name string, err error) *Error {
	if m := reSyntax.FindStringSubmatch(err.Error()); m != nil {
		l, _ := strconv.Atoi(m[1])
		return &Error{File: name, Line: l, Msg: "syntax: " + m[2]}
	}
	return &Error{File: name, Msg: err.Error()}
}

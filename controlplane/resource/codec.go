package resource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxDocumentBytes bounds one encoded resource; larger input is refused before decoding.
const MaxDocumentBytes = 1 << 20

// envelope is the wire form of a resource: kind, the Meta fields inline, spec.
type envelope struct {
	Kind Kind `json:"kind" yaml:"kind"`
	Meta `yaml:",inline"`
	Spec any `json:"spec" yaml:"spec"`
}

type jsonEnvelope struct {
	Kind Kind `json:"kind"`
	Meta
	Spec json.RawMessage `json:"spec"`
}

type yamlEnvelope struct {
	Kind Kind `yaml:"kind"`
	Meta `yaml:",inline"`
	Spec yaml.Node `yaml:"spec"`
}

// MarshalJSON encodes r in its canonical JSON form.
func MarshalJSON(r *Resource) ([]byte, error) {
	return json.Marshal(envelope{Kind: r.Kind, Meta: r.Meta, Spec: r.Spec})
}

// MarshalYAML encodes r as one YAML document.
func MarshalYAML(r *Resource) ([]byte, error) {
	return yaml.Marshal(envelope{Kind: r.Kind, Meta: r.Meta, Spec: r.Spec})
}

// UnmarshalJSON decodes one resource strictly: unknown fields are errors. It does not validate.
func UnmarshalJSON(data []byte) (*Resource, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("resource is %d bytes; at most %d", len(data), MaxDocumentBytes)
	}
	var env jsonEnvelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, jsonError("", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the resource")
	}
	r, err := New(env.Kind)
	if err != nil {
		return nil, &FieldError{Path: "kind", Msg: err.Error()}
	}
	r.Meta = env.Meta
	if len(env.Spec) == 0 || string(env.Spec) == "null" {
		return nil, &FieldError{Path: "spec", Msg: "must not be empty"}
	}
	sd := json.NewDecoder(bytes.NewReader(env.Spec))
	sd.DisallowUnknownFields()
	if err := sd.Decode(r.Spec); err != nil {
		return nil, jsonError("spec", err)
	}
	return r, nil
}

func jsonError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := te.Field
		if prefix != "" {
			p = prefix + "." + p
		}
		return &FieldError{Path: p, Msg: fmt.Sprintf("cannot be a JSON %s (want %s)", te.Value, te.Type)}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if prefix == "" {
		return fmt.Errorf("bad JSON: %s", msg)
	}
	return &FieldError{Path: prefix, Msg: msg}
}

// DecodeYAML decodes every document of a YAML stream (documents separated by ---), strictly,
// and validates each. Errors carry the line; name (a file name) prefixes them.
func DecodeYAML(name string, data []byte) ([]*Resource, error) {
	if len(data) > 64*MaxDocumentBytes {
		return nil, fmt.Errorf("%s: %d bytes; at most %d", name, len(data), 64*MaxDocumentBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Resource
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		r, err := FromYAMLNode(doc.Content[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%w", name, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no resources", name)
	}
	return out, nil
}

// FromYAMLNode decodes and validates one resource from a YAML mapping node; errors begin with
// the line ("12: spec.action: ...").
func FromYAMLNode(n *yaml.Node) (*Resource, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%d: a resource must be a mapping", n.Line)
	}
	if err := checkKnown(n, reflect.TypeOf(yamlEnvelope{}), ""); err != nil {
		return nil, err
	}
	var env yamlEnvelope
	if err := n.Decode(&env); err != nil {
		return nil, yamlError(err, n.Line)
	}
	r, err := New(env.Kind)
	if err != nil {
		return nil, fmt.Errorf("%d: kind: %w", lineOf(n, "kind"), err)
	}
	r.Meta = env.Meta
	if env.Spec.Kind == 0 {
		return nil, fmt.Errorf("%d: spec: must not be empty", n.Line)
	}
	if err := checkKnown(&env.Spec, reflect.TypeOf(r.Spec), "spec"); err != nil {
		return nil, err
	}
	if err := env.Spec.Decode(r.Spec); err != nil {
		return nil, yamlError(err, env.Spec.Line)
	}
	if err := Validate(r); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			for i := range ve.Errors {
				ve.Errors[i].Line = lineOf(n, ve.Errors[i].Path)
			}
			return nil, fmt.Errorf("%d: %w", ve.Errors[0].Line, ve)
		}
		return nil, err
	}
	return r, nil
}

// yamlError turns yaml.v3's "yaml: unmarshal errors:\n  line N: ..." into "N: ...".
func yamlError(err error, fallback int) error {
	msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:"))
	if strings.HasPrefix(msg, "line ") {
		rest := strings.TrimPrefix(msg, "line ")
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if _, e := strconv.Atoi(rest[:i]); e == nil {
				return fmt.Errorf("%s:%s", rest[:i], rest[i+1:])
			}
		}
	}
	return fmt.Errorf("%d: %s", fallback, msg)
}

// checkKnown reports the first mapping key that the Go type t has no field for.
func checkKnown(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(yaml.Node{}) || t == reflect.TypeOf(Duration{}) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // a type error; Decode reports it with its line
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			p := join(path, k.Value)
			if !ok {
				return fmt.Errorf("%d: %s: unknown field", k.Line, p)
			}
			if err := checkKnown(v, ft, p); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, c := range n.Content {
			if err := checkKnown(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// yamlFields maps the YAML names of t's fields (following inline embedding) to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

// lineOf finds the line of a field path such as "spec.rules[0].split[1].weight" in n, or the
// line of the deepest part of it that exists.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	cur := n
	for _, part := range strings.Split(path, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		next := mapValue(cur, name)
		if next == nil {
			return line
		}
		line, cur = next.Line, next
		if idx >= 0 {
			if cur.Kind != yaml.SequenceNode || idx >= len(cur.Content) {
				return line
			}
			cur = cur.Content[idx]
			line = cur.Line
		}
	}
	return line
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Decode reads one resource in JSON or YAML (detected by the first byte) and validates it.
func Decode(data []byte) (*Resource, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		r, err := UnmarshalJSON(t)
		if err != nil {
			return nil, err
		}
		if err := Validate(r); err != nil {
			return nil, err
		}
		return r, nil
	}
	rs, err := DecodeYAML("input", data)
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("input: %d resources; want one", len(rs))
	}
	return rs[0], nil
}

// MarshalJSON makes a Resource encode in its canonical form wherever it is embedded.
func (r *Resource) MarshalJSON() ([]byte, error) { return MarshalJSON(r) }

// UnmarshalJSON decodes the canonical form strictly (it does not validate).
func (r *Resource) UnmarshalJSON(b []byte) error {
	x, err := UnmarshalJSON(b)
	if err != nil {
		return err
	}
	*r = *x
	return nil
}

package scenarios

import (
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Resource is a policy or other resource document kept raw: the scenario loader only checks
// that it is a mapping with a kind and a name; controlplane/resource decodes and validates the
// rest from YAML() or JSON().
type Resource struct {
	Kind string
	Mesh string
	Name string
	Line int // line of the document in the scenario file

	node yaml.Node
}

// UnmarshalYAML keeps the node and reads kind, mesh and name.
func (r *Resource) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return typeErr(n, "expected a resource document (a mapping with kind, name and spec)")
	}
	r.node = *n
	r.Line = n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var dst *string
		switch k.Value {
		case "kind":
			dst = &r.Kind
		case "mesh":
			dst = &r.Mesh
		case "name":
			dst = &r.Name
		default:
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return typeErr(v, fmt.Sprintf("%s must be a string", k.Value))
		}
		*dst = v.Value
	}
	return nil
}

// MarshalYAML writes the document back as it was.
func (r Resource) MarshalYAML() (any, error) { return &r.node, nil }

// Node returns a copy of the raw document node (positions are lines of the scenario file).
func (r *Resource) Node() *yaml.Node { c := r.node; return &c }

// YAML returns the document as YAML.
func (r *Resource) YAML() ([]byte, error) {
	b, err := yaml.Marshal(&r.node)
	if err != nil {
		return nil, fmt.Errorf("resource %s/%s: %w", r.Kind, r.Name, err)
	}
	return b, nil
}

// Map returns the document as plain maps, slices and scalars.
func (r *Resource) Map() (map[string]any, error) {
	var m map[string]any
	if err := r.node.Decode(&m); err != nil {
		return nil, fmt.Errorf("resource %s/%s: %w", r.Kind, r.Name, err)
	}
	return m, nil
}

// JSON returns the document as JSON.
func (r *Resource) JSON() ([]byte, error) {
	m, err := r.Map()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("resource %s/%s: %w", r.Kind, r.Name, err)
	}
	return b, nil
}

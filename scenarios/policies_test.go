package scenarios_test

import (
	"path/filepath"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/scenarios"
)

// TestShippedPoliciesValidate runs every policy and apply document of the shipped scenarios
// through the control plane's own decoder, so a scenario never ships a policy global refuses.
func TestShippedPoliciesValidate(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		s, err := scenarios.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		docs := append([]scenarios.Resource(nil), s.Policies...)
		for _, st := range s.Timeline {
			if st.Apply != nil {
				docs = append(docs, *st.Apply)
			}
		}
		for _, d := range docs {
			if _, err := resource.FromYAMLNode(d.Node()); err != nil {
				t.Errorf("%s:%d: %s %s: %v", f, d.Line, d.Kind, d.Name, err)
			}
		}
	}
}

package requirements

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/zonemesh/zonemesh/conformance"
)

var update = flag.Bool("update", false, "rewrite conformance/SPEC.md from the catalog")

func TestCatalogValid(t *testing.T) {
	cat := Catalog()
	if err := conformance.ValidateCatalog(cat); err != nil {
		t.Fatal(err)
	}
	if len(cat) < 35 {
		t.Fatalf("catalog has %d requirements, want at least 35", len(cat))
	}
	musts := 0
	for _, r := range cat {
		if r.Level == conformance.Must {
			musts++
		}
	}
	if musts == 0 {
		t.Fatal("no MUST requirement")
	}
}

func TestValidateCatalogRejects(t *testing.T) {
	good := *Catalog()[0]
	for name, mut := range map[string]func(r *conformance.Requirement){
		"bad id":           func(r *conformance.Requirement) { r.ID = "MZ-X-1" },
		"unknown area":     func(r *conformance.Requirement) { r.ID = "MZ-NOPE-001" },
		"budget above max": func(r *conformance.Requirement) { r.Budget.Max = r.Budget.Default / 2 },
		"unknown feature":  func(r *conformance.Requirement) { r.Features = []conformance.Feature{"Teleport"} },
		"no check":         func(r *conformance.Requirement) { r.Check = nil },
		"bad level":        func(r *conformance.Requirement) { r.Level = "OUGHT" },
	} {
		r := good
		mut(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	dup := []*conformance.Requirement{&good, &good}
	if err := conformance.ValidateCatalog(dup); err == nil {
		t.Error("duplicate IDs accepted")
	}
}

func TestBudgetOverrides(t *testing.T) {
	cat := Catalog()
	r := conformance.Find(cat, "MZ-PROP-001")
	bs := conformance.Budgets{}
	if err := conformance.ParseBudget(cat, "MZ-PROP-001="+r.Budget.Max.String(), bs); err != nil {
		t.Fatalf("override at the maximum: %v", err)
	}
	if bs.For(r) != r.Budget.Max {
		t.Fatalf("override not applied: %v", bs.For(r))
	}
	for _, bad := range []string{"MZ-PROP-001=" + (r.Budget.Max + 1).String(), "MZ-NONE-001=1s", "MZ-PROP-001", "MZ-PROP-001=soon", "MZ-PROP-001=-1s"} {
		if err := conformance.ParseBudget(cat, bad, conformance.Budgets{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSpecCurrent fails when conformance/SPEC.md does not match the catalog; -update rewrites it.
func TestSpecCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := conformance.WriteSpec(&b, Catalog()); err != nil {
		t.Fatal(err)
	}
	const path = "../SPEC.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Fatal("conformance/SPEC.md is stale: run go run ./conformance/cmd/specgen (or go test ./conformance/requirements -run TestSpecCurrent -update)")
	}
}

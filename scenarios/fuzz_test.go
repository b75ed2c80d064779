package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that every failure is a located scenario error.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(baseTopology))
	f.Add([]byte(baseTopology + "timeline:\n- fault: {name: p, type: partition, link: {from: zone-a, to: zone-b}}\n- heal: p\n"))
	f.Add([]byte("name: x\nscale: {zones: 1, proxiesPerZone: {dist: pareto, min: 1, alpha: 2}, duration: 1s}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err == nil {
			if s == nil || s.Name == "" {
				t.Fatalf("nil error with scenario %+v", s)
			}
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error does not wrap ErrInvalid: %v", err)
		}
	})
}

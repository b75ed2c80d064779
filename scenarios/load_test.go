package scenarios

import (
	"path/filepath"
	"testing"
)

func TestShippedScenariosLoad(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenario files found")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			s, err := Load(f)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if s.File != f || s.Name == "" {
				t.Fatalf("loaded %q from %q", s.Name, s.File)
			}
		})
	}
}

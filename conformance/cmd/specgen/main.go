// Command specgen writes conformance/SPEC.md from the requirement catalog.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/conformance/requirements"
)

func main() {
	out := "conformance/SPEC.md"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	cat := requirements.Catalog()
	if err := conformance.ValidateCatalog(cat); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
	var b bytes.Buffer
	if err := conformance.WriteSpec(&b, cat); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
}

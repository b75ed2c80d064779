package conformance

import (
	"fmt"
	"io"
	"strings"
)

// WriteSpec renders SPEC.md from the catalog: levels, profiles, features, then every
// requirement grouped by area. The output depends only on the catalog.
func WriteSpec(w io.Writer, catalog []*Requirement) error {
	var b strings.Builder
	b.WriteString("# zonemesh multi-zone mesh conformance specification\n\n")
	b.WriteString("<!-- Generated from conformance/requirements by `go run ./conformance/cmd/specgen`. Do not edit. -->\n\n")
	n := map[Level]int{}
	for _, r := range catalog {
		n[r.Level]++
	}
	fmt.Fprintf(&b, "%d requirements: %d MUST, %d SHOULD, %d MAY.\n\n", len(catalog), n[Must], n[Should], n[May])
	b.WriteString("A mesh conforms when every MUST requirement of the profiles it claims ends Succeeded. A SHOULD requirement may fail with a stated reason. " +
		"Each requirement ends Succeeded, Failed (with the reason), Skipped (with why) or NotSupported (the Target lacks a feature it needs).\n\n")
	b.WriteString("Eventually-consistent checks need K=3 consecutive successes within the requirement's budget. A budget may be raised from the command line " +
		"(`--budget ID=DURATION`) up to its documented maximum, never beyond. Distribution checks state their sample size and tolerance.\n\n")
	b.WriteString("The suite brings up one topology on the Target: zone-a (client, api), zone-b (client, backend v1, api), zone-c (client, backend v2, api), " +
		"one ingress per zone, mTLS on, and a baseline permission allowing every service to call every service. Every requirement restores that state.\n\n")
	b.WriteString("## Profiles\n\n| profile | requirements |\n| --- | --- |\n")
	for _, p := range Profiles() {
		var ids []string
		for _, r := range catalog {
			if r.Profile == p {
				ids = append(ids, r.ID)
			}
		}
		fmt.Fprintf(&b, "| %s | %s |\n", p, strings.Join(ids, ", "))
	}
	b.WriteString("\n## Features\n\n| feature | meaning |\n| --- | --- |\n")
	for _, f := range AllFeatures() {
		fmt.Fprintf(&b, "| %s | %s |\n", f, FeatureDoc(f))
	}
	for _, a := range Areas() {
		fmt.Fprintf(&b, "\n## %s — %s\n", a.Area, a.Title)
		for _, r := range catalog {
			if r.Area() != a.Area {
				continue
			}
			fmt.Fprintf(&b, "\n### %s %s\n\n", r.ID, r.Title)
			fmt.Fprintf(&b, "- Level: **%s**; profile: %s", r.Level, r.Profile)
			if r.Disruptive {
				b.WriteString("; disruptive (kills, pauses or partitions components)")
			}
			b.WriteString("\n")
			feats := "none"
			if len(r.Features) > 0 {
				var fs []string
				for _, f := range r.Features {
					fs = append(fs, string(f))
				}
				feats = strings.Join(fs, ", ")
			}
			fmt.Fprintf(&b, "- Features: %s\n", feats)
			fmt.Fprintf(&b, "- Budget: %v (maximum %v)\n\n", r.Budget.Default, r.Budget.Max)
			b.WriteString(r.Description + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

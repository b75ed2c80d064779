package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/conformance/requirements"
	"github.com/zonemesh/zonemesh/conformance/suite"
	"github.com/zonemesh/zonemesh/harness/target"
)

func init() {
	register(Command{Name: "conformance", Summary: "run the conformance suite against the reference mesh (mutate: against seeded defects)", Run: runConformance})
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runConformance(ctx context.Context, s Streams, args []string) error {
	if len(args) > 0 && args[0] == "mutate" {
		return runMutate(ctx, s, args[1:])
	}
	fs := newFlagSet("conformance", s)
	backend := fs.String("backend", "process", "backend the reference mesh runs on (process, docker)")
	profiles := fs.String("profile", "", "comma-separated profiles to run (core, routing, security, resilience, scale); default all")
	focus := fs.String("focus", "", "comma-separated requirement IDs to run")
	out := fs.String("out", "", "folder for conformance-report.yaml/.json, junit.xml, results.json, report.html and the mesh's evidence")
	binary := fs.String("binary", "", "zonemesh binary for the mesh components (default: this binary)")
	logLevel := fs.String("log-level", "info", "log level of the components")
	verbose := fs.Bool("v", false, "show ginkgo's per-spec output")
	var budgets listFlag
	fs.Var(&budgets, "budget", "ID=DURATION: raise or lower a requirement's budget, up to its documented maximum (repeatable)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if !slices.Contains(target.Backends, *backend) {
		return fmt.Errorf("%w: --backend %q: choose one of %s", ErrUsage, *backend, strings.Join(target.Backends, ", "))
	}
	cat := requirements.Catalog()
	bs := conformance.Budgets{}
	for _, b := range budgets {
		if err := conformance.ParseBudget(cat, b, bs); err != nil {
			return fmt.Errorf("%w: --budget: %v", ErrUsage, err)
		}
	}
	ps, err := suite.ParseProfiles(*profiles)
	if err != nil {
		return fmt.Errorf("%w: --profile: %v", ErrUsage, err)
	}
	var ids []string
	if *focus != "" {
		ids = strings.Split(*focus, ",")
	}
	if _, err := suite.Select(cat, ps, ids); err != nil {
		return fmt.Errorf("%w: --focus: %v", ErrUsage, err)
	}
	dir := *out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "zonemesh-conformance-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	bin := *binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	tg := target.New(target.Options{Out: filepath.Join(dir, "mesh"), Binary: bin, Version: VersionString(), LogLevel: *logLevel, Progress: s.Err, Backend: *backend})
	defer tg.Close()
	rep, err := suite.Run(ctx, suite.Options{Target: tg, Catalog: cat, Profiles: ps, Focus: ids, Budgets: bs, Zonemesh: VersionString(), Verbose: *verbose})
	if err != nil {
		return err
	}
	printReport(s.Out, rep)
	if *out != "" {
		if err := suite.WriteOutputs(*out, rep); err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "reports in %s\n", *out)
	}
	if !rep.Passed() {
		return errors.New("the implementation does not conform (see the Failed and MUST lines above)")
	}
	return nil
}

func printReport(w io.Writer, rep *conformance.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tPROFILE\tRESULT\tSECONDS\tREASON")
	for _, q := range rep.Requirements {
		reason := q.Reason
		if len(reason) > 160 {
			reason = reason[:157] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%s\n", q.ID, q.Level, q.Profile, q.Result, q.DurationSeconds, reason)
	}
	tw.Flush()
	n := map[conformance.Result]int{}
	for _, q := range rep.Requirements {
		n[q.Result]++
	}
	fmt.Fprintf(w, "%d requirements in %.1fs: %d Succeeded, %d Failed, %d Skipped, %d NotSupported\n", len(rep.Requirements), rep.DurationSeconds,
		n[conformance.Succeeded], n[conformance.Failed], n[conformance.Skipped], n[conformance.NotSupported])
}

func runMutate(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("conformance mutate", s)
	out := fs.String("out", "", "folder for mutation.json and one report folder per defect (required)")
	defects := fs.String("defects", "", "comma-separated defects to seed (default: all)")
	binary := fs.String("binary", "", "zonemesh built with -tags zonemesh_defects (default: bin/zonemesh-defects next to this binary)")
	full := fs.Bool("full", false, "run the whole catalog against each defect instead of the requirements expected to catch it")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", ErrUsage)
	}
	bin := *binary
	if bin == "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		bin = filepath.Join(filepath.Dir(self), "zonemesh-defects")
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("defect binary: %w (build it with make bin/zonemesh-defects)", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var ds []string
	if *defects != "" {
		ds = strings.Split(*defects, ",")
	}
	m, err := suite.Mutate(ctx, requirements.Catalog(), suite.MutateOptions{Binary: bin, Out: *out, Defects: ds, Full: *full, Progress: s.Out})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "mutation score: %d/%d MUST requirements caught (%.0f%%); uncaught: %v\n", m.MustCaught, m.MustTotal, 100*m.Score, m.Uncaught)
	return nil
}

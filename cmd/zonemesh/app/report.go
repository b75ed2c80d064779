package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/compare"
	"github.com/zonemesh/zonemesh/reports/htmlreport"
)

func init() {
	register(Command{Name: "report", Summary: "render, summarise or compare results files (render | summary | compare)", Run: runReport})
}

const reportUsage = `usage:
  zonemesh report render RESULTS.json [-o report.html]
  zonemesh report summary RESULTS.json
  zonemesh report compare BASELINE.json OTHER.json... [-o compare.html] [-tolerance 0.10] [-fail-on-regression]`

func runReport(ctx context.Context, s Streams, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(s.Err, reportUsage)
		return fmt.Errorf("%w: missing subcommand", ErrUsage)
	}
	switch args[0] {
	case "render":
		return reportRender(s, args[1:])
	case "summary":
		return reportSummary(s, args[1:])
	case "compare":
		return reportCompare(s, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(s.Out, reportUsage)
		return nil
	default:
		fmt.Fprintln(s.Err, reportUsage)
		return fmt.Errorf("%w: unknown report subcommand %q", ErrUsage, args[0])
	}
}

func readResults(path string) (*reports.Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := reports.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// writeFileAtomic writes through a temporary file in the same folder and renames it, so a
// reader never sees half a report.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func reportRender(s Streams, args []string) error {
	fs := newFlagSet("report render", s)
	out := fs.String("o", "", "output HTML file (default: RESULTS with .html instead of .json)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: report render takes one RESULTS.json, got %d arguments", ErrUsage, len(pos))
	}
	r, err := readResults(pos[0])
	if err != nil {
		return err
	}
	dst := *out
	if dst == "" {
		dst = strings.TrimSuffix(pos[0], filepath.Ext(pos[0])) + ".html"
	}
	if err := writeFileAtomic(dst, func(w io.Writer) error { return htmlreport.Render(w, r) }); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	fmt.Fprintln(s.Out, dst)
	return nil
}

func reportSummary(s Streams, args []string) error {
	fs := newFlagSet("report summary", s)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: report summary takes one RESULTS.json, got %d arguments", ErrUsage, len(pos))
	}
	r, err := readResults(pos[0])
	if err != nil {
		return err
	}
	return reports.Summary(s.Out, r)
}

// ErrRegression is returned by `report compare -fail-on-regression` when a run is worse than
// the baseline.
var ErrRegression = errors.New("regression against the baseline")

func reportCompare(s Streams, args []string) error {
	fs := newFlagSet("report compare", s)
	out := fs.String("o", "", "also write the comparison as HTML to this file")
	tol := compare.DefaultTolerance
	fs.Float64Var(&tol.Relative, "tolerance", tol.Relative, "relative slowdown of latency and propagation figures that counts as a regression (0.10 = 10%)")
	fs.Float64Var(&tol.SuccessRate, "success-drop", tol.SuccessRate, "drop in success rate that counts as a regression (0.001 = 0.1 percentage points)")
	failOn := fs.Bool("fail-on-regression", false, "exit 1 when any run regressed against the baseline")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return fmt.Errorf("%w: report compare needs at least two results files, got %d", ErrUsage, len(pos))
	}
	if tol.Relative < 0 || tol.SuccessRate < 0 {
		return fmt.Errorf("%w: -tolerance and -success-drop must not be negative", ErrUsage)
	}
	runs := make([]*reports.Results, len(pos))
	labels := make([]string, len(pos))
	for i, p := range pos {
		if runs[i], err = readResults(p); err != nil {
			return err
		}
		labels[i] = filepath.Base(p)
	}
	c, err := compare.Compare(labels, runs, tol)
	if err != nil {
		return err
	}
	if err := c.WriteText(s.Out); err != nil {
		return err
	}
	if *out != "" {
		if err := writeFileAtomic(*out, c.WriteHTML); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
	}
	if *failOn && c.Regressions > 0 {
		return fmt.Errorf("%w: %d figure(s)", ErrRegression, c.Regressions)
	}
	return nil
}

package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/conformance"
)

// Catchers maps each seeded defect (internal/defect) to the requirements expected to catch
// it: the focused subset a quick mutation run checks.
var Catchers = map[string][]string{
	"zone-auth-bypass":       {"MZ-REG-002", "MZ-REG-003"},
	"api-anonymous-writes":   {"MZ-REG-004"},
	"zone-never-offline":     {"MZ-OFFL-001", "MZ-OFFL-002"},
	"deletes-not-propagated": {"MZ-PROP-004", "MZ-PART-002"},
	"propagation-delayed":    {"MZ-PROP-001", "MZ-PROP-002", "MZ-PROP-003", "MZ-PART-001"},
	"global-forgets-writes":  {"MZ-OUT-002"},
	"permissions-ignored":    {"MZ-SEC-004", "MZ-SEC-005"},
	"failover-disabled":      {"MZ-LOC-001", "MZ-LOC-002", "MZ-LOC-003", "MZ-UNR-001"},
	"split-ignored":          {"MZ-SPLIT-001"},
	"header-match-ignored":   {"MZ-HDR-001"},
	"timeouts-ignored":       {"MZ-TMO-001"},
	"retries-disabled":       {"MZ-TMO-002"},
	"zone-status-offline":    {"MZ-REG-001"},
	"upload-disabled":        {"MZ-SYNC-001", "MZ-SYNC-002", "MZ-XZ-001"},
}

// Mutation is the outcome of running the suite against seeded defects.
type Mutation struct {
	Defects []DefectRun `json:"defects"`
	// MustTotal counts the catalog's MUST requirements; MustCaught those that failed against
	// at least one defect; Uncaught lists the others.
	MustTotal  int      `json:"mustTotal"`
	MustCaught int      `json:"mustCaught"`
	Score      float64  `json:"score"`
	Uncaught   []string `json:"uncaught"`
}

// DefectRun is one defect's run.
type DefectRun struct {
	Defect          string   `json:"defect"`
	Ran             []string `json:"ran"`
	Failed          []string `json:"failed"`
	Error           string   `json:"error,omitempty"`
	DurationSeconds float64  `json:"durationSeconds"`
}

// MutateOptions configure a mutation run.
type MutateOptions struct {
	Binary  string   // a zonemesh built with -tags zonemesh_defects
	Out     string   // one folder per defect under it, mutation.json at its root
	Defects []string // default: every defect of Catchers
	// Full runs the whole catalog per defect instead of the defect's catchers.
	Full     bool
	Progress io.Writer
}

// Mutate runs the suite once per defect, each in its own process (ginkgo runs once per
// process, and the defect is chosen by the environment of the whole mesh).
func Mutate(ctx context.Context, catalog []*conformance.Requirement, opts MutateOptions) (*Mutation, error) {
	defects := opts.Defects
	if len(defects) == 0 {
		for d := range Catchers {
			defects = append(defects, d)
		}
		sort.Strings(defects)
	}
	for _, d := range defects {
		if _, ok := Catchers[d]; !ok {
			return nil, fmt.Errorf("unknown defect %q", d)
		}
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	m := &Mutation{}
	caught := map[string]bool{}
	for _, d := range defects {
		run := DefectRun{Defect: d}
		dir := filepath.Join(opts.Out, d)
		args := []string{"conformance", "--out", dir, "--log-level", "warn"}
		if !opts.Full {
			args = append(args, "--focus", strings.Join(Catchers[d], ","))
		}
		start := time.Now()
		cmd := exec.CommandContext(ctx, opts.Binary, args...)
		cmd.Env = append(os.Environ(), "ZONEMESH_DEFECT="+d)
		log, err := os.Create(filepath.Join(opts.Out, d+".log"))
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = log, log
		_ = cmd.Run() // a non-zero exit is the expected outcome: the report says what failed
		log.Close()
		run.DurationSeconds = time.Since(start).Seconds()
		rep, err := readReport(filepath.Join(dir, "conformance-report.json"))
		if err != nil {
			run.Error = err.Error()
		} else {
			for _, q := range rep.Requirements {
				run.Ran = append(run.Ran, q.ID)
				if q.Result == conformance.Failed {
					run.Failed = append(run.Failed, q.ID)
					caught[q.ID] = true
				}
			}
		}
		fmt.Fprintf(opts.Progress, "%-24s %5.1fs caught by %v\n", d, run.DurationSeconds, run.Failed)
		m.Defects = append(m.Defects, run)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	for _, r := range catalog {
		if r.Level != conformance.Must {
			continue
		}
		m.MustTotal++
		if caught[r.ID] {
			m.MustCaught++
		} else {
			m.Uncaught = append(m.Uncaught, r.ID)
		}
	}
	if m.MustTotal > 0 {
		m.Score = float64(m.MustCaught) / float64(m.MustTotal)
	}
	f, err := os.Create(filepath.Join(opts.Out, "mutation.json"))
	if err != nil {
		return m, err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return m, enc.Encode(m)
}

func readReport(path string) (*conformance.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no report: %w", err)
	}
	var r conformance.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	return &r, nil
}

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
	"client-cert-unverified": {"MZ-SEC-003"},
	"identity-dropped":       {"MZ-SEC-001"},
	"zero-weight-kept":       {"MZ-SPLIT-002"},
	"burst-truncated":        {"MZ-PROP-005"},
	"zombie-dataplanes":      {"MZ-SYNC-003"},
	"requests-shed":          {"MZ-LOAD-001"},
	"state-dropped-offline":  {"MZ-OUT-001"},
	"config-dropped-on-loss": {"MZ-OUT-003"},
	"ingress-plaintext":      {"MZ-SEC-002"},
	"resync-stale":           {"MZ-OUT-004"},
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
	Defect string   `json:"defect"`
	Ran    []string `json:"ran"`
	Failed []string `json:"failed"`
	// Rerun lists requirements that failed after an earlier one left the mesh unconverged:
	// that failure proves nothing, so each was run again on a fresh mesh (Failed has the
	// fresh verdict).
	Rerun []string `json:"rerun,omitempty"`
	// RestoreOnly lists requirements whose check passed but whose restore did not converge
	// within the mutation run's short wait: not counted as caught.
	RestoreOnly     []string `json:"restoreOnly,omitempty"`
	Error           string   `json:"error,omitempty"`
	DurationSeconds float64  `json:"durationSeconds"`
}

// MutateOptions configure a mutation run.
type MutateOptions struct {
	Binary  string   // a zonemesh built with -tags zonemesh_defects
	Out     string   // one folder per defect under it, mutation.json at its root
	Defects []string // default: every defect of Catchers
	// Full runs the whole catalog per defect instead of the defect's catchers.
	Full bool
	// First runs only the first catcher of each defect: enough to prove every defect is
	// caught, not that every catcher catches it.
	First    bool
	Progress io.Writer
}

// Mutate runs the suite once per defect, each in its own process (ginkgo runs once per
// process, and the defect is chosen by the environment of the whole mesh). In such a run the
// runner waits only briefly for convergence after each requirement (the defect may prevent it
// for good); a requirement that failed after an unconverged restore is run again alone.
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
		start := time.Now()
		var focus []string
		switch {
		case opts.Full:
			for _, r := range catalog {
				focus = append(focus, r.ID)
			}
		case opts.First:
			focus = Catchers[d][:1]
		default:
			focus = Catchers[d]
		}
		run, err := mutateOne(ctx, catalog, opts, d, focus)
		if err != nil {
			return nil, err
		}
		run.DurationSeconds = time.Since(start).Seconds()
		for _, id := range run.Failed {
			caught[id] = true
		}
		fmt.Fprintf(opts.Progress, "%-24s %5.1fs caught by %v%s\n", d, run.DurationSeconds, run.Failed, rerunNote(run.Rerun))
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

func rerunNote(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return fmt.Sprintf(" (run again alone: %v)", ids)
}

// mutateOne runs focus against defect d until every requirement has a verdict from a mesh
// that was converged when it started.
func mutateOne(ctx context.Context, catalog []*conformance.Requirement, opts MutateOptions, d string, focus []string) (DefectRun, error) {
	run := DefectRun{Defect: d}
	pending := focus
	for attempt := 0; len(pending) > 0; attempt++ {
		dir := filepath.Join(opts.Out, d)
		if attempt > 0 {
			dir = fmt.Sprintf("%s.%d", dir, attempt)
		}
		rep, err := runDefect(ctx, opts.Binary, d, dir, pending)
		if err != nil {
			run.Error = err.Error()
			return run, ctx.Err()
		}
		order, err := Select(catalog, nil, pending)
		if err != nil {
			return run, err
		}
		byID := map[string]conformance.Outcome{}
		for _, q := range rep.Requirements {
			byID[q.ID] = conformance.Outcome{ID: q.ID, Result: q.Result, Reason: q.Reason}
		}
		var next []string
		tainted := false
		for i, r := range order {
			q, ok := byID[r.ID]
			if !ok {
				return run, fmt.Errorf("defect %s: report lacks %s", d, r.ID)
			}
			// Alone on a fresh mesh (i == 0) a verdict always counts; after an unconverged
			// restore only a success does (the requirement passed in spite of the leftovers).
			if tainted && i > 0 && q.Result == conformance.Failed {
				next = append(next, r.ID)
				continue
			}
			run.Ran = append(run.Ran, r.ID)
			switch {
			case q.Result != conformance.Failed:
			case strings.HasPrefix(q.Reason, "restore:"):
				// The check passed; only the shortened wait for convergence ran out.
				run.RestoreOnly = append(run.RestoreOnly, r.ID)
			default:
				run.Failed = append(run.Failed, r.ID)
			}
			if strings.Contains(q.Reason, "mesh converged after restore") {
				tainted = true
			}
		}
		run.Rerun = append(run.Rerun, next...)
		pending = next
	}
	sort.Strings(run.Failed)
	return run, nil
}

// runDefect runs the focused suite in a child process whose whole mesh has defect d seeded.
func runDefect(ctx context.Context, bin, d, dir string, focus []string) (*conformance.Report, error) {
	args := []string{"conformance", "--out", dir, "--log-level", "warn", "--focus", strings.Join(focus, ",")}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "ZONEMESH_DEFECT="+d)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	log, err := os.Create(dir + ".log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	_ = cmd.Run() // a non-zero exit is the expected outcome: the report says what failed
	log.Close()
	return readReport(filepath.Join(dir, "conformance-report.json"))
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

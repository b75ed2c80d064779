package htmlreport_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zonemesh/zonemesh/reports/reportstest"
)

// chromiumPath finds a headless-capable browser; scripts/ensure-chromium.sh installs one.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// evidenceDir is where the test leaves its screenshots: $ZONEMESH_EVIDENCE when set, so CI
// keeps them, otherwise a temporary folder.
func evidenceDir(t *testing.T) string {
	if d := os.Getenv("ZONEMESH_EVIDENCE"); d != "" {
		d = filepath.Join(d, "htmlreport")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browser starts one headless Chromium for the test and returns a context for a new tab.
func browser(t *testing.T) func() (context.Context, context.CancelFunc) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary on PATH; run scripts/ensure-chromium.sh to install one")
	}
	// A bound on a hung browser, not a performance assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.WindowSize(1200, 900))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel(); cancel() })
	if err := chromedp.Do(bctx); err != nil { // start the browser once
		t.Fatalf("start %s: %v", bin, err)
	}
	return func() (context.Context, context.CancelFunc) { return chromedp.NewContext(bctx) }
}

// console collects a tab's console messages of type error (and exceptions) until stop.
func console(ctx context.Context) (stop func() []string) {
	ctx, cancel := context.WithCancel(ctx)
	msgs := chromedp.Console(ctx)
	var (
		mu   sync.Mutex
		errs []string
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	})
	return func() []string {
		cancel()
		wg.Wait()
		return errs
	}
}

func TestReportInBrowser(t *testing.T) {
	newTab := browser(t)
	dir := evidenceDir(t)
	run, sim := reportstest.Sample(), reportstest.SimSample()
	cases := []struct {
		name      string
		html      []byte
		wantTitle string
		rows      int // every check, fault, event, propagation figure and requirement has a row
		charts    int // timeline, zone share, propagation, simulator series when present
		simulated bool
	}{
		{"run", render(t, run), "partition-failover — FAIL — zonemesh report",
			len(run.Checks) + len(run.Faults) + len(run.Events) + len(run.PropagationStats()) + len(run.Conformance), 3, false},
		// Without a load timeline the fault and event tables are not shown.
		{"sim", render(t, sim), "SIMULATED · global-outage-100-zones — PASS — zonemesh report",
			len(sim.Checks) + len(sim.PropagationStats()), 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, "report-"+c.name+".html")
			if err := os.WriteFile(file, c.html, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := newTab()
			defer cancel()
			stop := console(ctx)
			if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
				t.Fatal(err)
			}
			title, err := chromedp.Run(ctx, chromedp.Title())
			if err != nil || title != c.wantTitle {
				t.Errorf("title = %q (%v), want %q", title, err, c.wantTitle)
			}
			rows := evalInt(t, ctx, `document.querySelectorAll("table tbody tr").length`)
			if rows != c.rows {
				t.Errorf("table rows = %d, want %d", rows, c.rows)
			}
			// A chart counts only if it is laid out at a readable size and has drawn paths.
			charts := evalInt(t, ctx, `[...document.querySelectorAll("svg.chart")].filter(s => {
				const b = s.getBoundingClientRect(); return b.width > 600 && b.height > 150 && s.querySelectorAll("path").length > 20 }).length`)
			if charts != c.charts {
				t.Errorf("rendered SVG charts = %d, want %d", charts, c.charts)
			}
			if n := evalInt(t, ctx, `performance.getEntriesByType("resource").length`); n != 0 {
				t.Errorf("page loaded %d external resources, want a self-contained file", n)
			}
			sim := evalInt(t, ctx, `document.querySelectorAll("#simulated").length`)
			if (sim == 1) != c.simulated {
				t.Errorf("SIMULATED banner present = %v, want %v", sim == 1, c.simulated)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, "report-"+c.name+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", shot)
			if errs := stop(); len(errs) > 0 {
				t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}

	// The console check must be able to fail: a page with a missing image logs an error.
	t.Run("console-check-sees-errors", func(t *testing.T) {
		file := filepath.Join(dir, "broken.html")
		if err := os.WriteFile(file, []byte(`<!DOCTYPE html><title>x</title><img src="missing.png"><script>console.error("boom")</script>`), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := newTab()
		defer cancel()
		stop := console(ctx)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
			t.Fatal(err)
		}
		// Round-trip once more so the events of the load have been delivered.
		evalInt(t, ctx, `1`)
		if errs := stop(); len(errs) == 0 {
			t.Error("no console error seen for a page that logs one")
		}
	})
}

func evalInt(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return n
}

package run

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/htmlreport"
)

// evidence writes what a person needs to understand a run after the fact: every resource at
// global, each zone's status, proxies and arrivals, each proxy's config, metrics and the raw
// load records. Failures to collect are noted, never fatal: the run's results come first.
func (r *Runner) evidence(ctx context.Context) {
	if r.env.Client == nil {
		return
	}
	dir := r.opts.Out
	var all []*resource.Resource
	for _, k := range resource.Kinds() {
		rs, err := r.env.Client.List(ctx, k, "")
		if err == nil {
			all = append(all, rs...)
		}
	}
	if f, err := os.Create(filepath.Join(dir, "resources.yaml")); err == nil {
		for _, res := range all {
			b, err := resource.MarshalYAML(res)
			if err == nil {
				fmt.Fprintf(f, "---\n%s", b)
			}
		}
		f.Close()
	}
	r.fetch(ctx, r.env.Global.APIURL+"/api/v1/zones", filepath.Join(dir, "zones", "status.json"))
	r.fetch(ctx, r.env.Global.APIURL+"/metrics", filepath.Join(dir, "metrics", "global.txt"))
	for _, z := range r.env.Zones() {
		name := z.Plan.Name
		zd := filepath.Join(dir, "zones", name)
		r.fetch(ctx, z.Info.APIURL+"/api/v1/proxies", filepath.Join(zd, "proxies.json"))
		r.fetch(ctx, z.Info.APIURL+"/api/v1/arrivals", filepath.Join(zd, "arrivals.json"))
		r.fetch(ctx, z.Info.APIURL+"/metrics", filepath.Join(dir, "metrics", name+".txt"))
		for _, in := range z.Instances {
			r.fetch(ctx, z.Info.APIURL+"/api/v1/inspect/dataplanes/"+r.env.Plan.Mesh+"/"+in.Info.Name, filepath.Join(zd, "config", in.Info.Name+".json"))
			r.fetch(ctx, in.Info.AdminURL+"/metrics", filepath.Join(dir, "metrics", name+"."+in.Info.Name+".txt"))
		}
	}
	for name, lr := range r.loads {
		if lr.result == nil {
			continue
		}
		path := filepath.Join(dir, "load", name+".json")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			if f, err := os.Create(path); err == nil {
				_ = json.NewEncoder(f).Encode(lr.result)
				f.Close()
			}
		}
	}
}

// fetch saves a GET's body to path.
func (r *Runner) fetch(ctx context.Context, url, path string) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	resp, err := mesh.HTTP.Do(req)
	if err != nil {
		_ = os.WriteFile(path+".error", []byte(err.Error()+"\n"), 0o644)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, io.LimitReader(resp.Body, 64<<20))
}

// writeResults writes results.json and report.html into the evidence folder.
func (r *Runner) writeResults(res *reports.Results) error {
	f, err := os.Create(filepath.Join(r.opts.Out, "results.json"))
	if err != nil {
		return err
	}
	if err := reports.Write(f, res); err != nil {
		f.Close()
		return fmt.Errorf("results.json: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	h, err := os.Create(filepath.Join(r.opts.Out, "report.html"))
	if err != nil {
		return err
	}
	if err := htmlreport.Render(h, res); err != nil {
		h.Close()
		return fmt.Errorf("report.html: %w", err)
	}
	return h.Close()
}

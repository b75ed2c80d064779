package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// DefaultServer is the REST API address used when neither --server nor ZONEMESH_SERVER is set.
const DefaultServer = "http://127.0.0.1:5681"

func init() {
	register(Command{Name: "apply", Summary: "create or update resources from a YAML/JSON file (-f FILE, - for stdin)", Run: runApply})
	register(Command{Name: "get", Summary: "list resources of a kind, or show one: get KIND [NAME]", Run: runGet})
	register(Command{Name: "delete", Summary: "delete a resource: delete KIND NAME", Run: runDelete})
	register(Command{Name: "inspect", Summary: "show zone status (inspect zones) or a proxy's config (inspect dataplane MESH NAME)", Run: runInspect})
}

// clientFlags are the flags of every command that talks to the REST API.
type clientFlags struct {
	server, tokenFile string
}

func addClientFlags(fs *flag.FlagSet) *clientFlags {
	c := &clientFlags{}
	fs.StringVar(&c.server, "server", "", "REST API URL (default $ZONEMESH_SERVER or "+DefaultServer+")")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding the admin token (default $ZONEMESH_TOKEN)")
	return c
}

func (c *clientFlags) client() (*api.Client, error) {
	server := c.server
	if server == "" {
		server = os.Getenv("ZONEMESH_SERVER")
	}
	if server == "" {
		server = DefaultServer
	}
	tok := os.Getenv("ZONEMESH_TOKEN")
	if c.tokenFile != "" {
		var err error
		if tok, err = auth.ReadTokenFile(c.tokenFile); err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
	}
	return &api.Client{BaseURL: server, Token: tok, HTTP: &http.Client{Timeout: time.Minute}}, nil
}

func wantArgs(pos []string, min, max int, usage string) error {
	if len(pos) < min || len(pos) > max {
		return fmt.Errorf("%w: %s", ErrUsage, usage)
	}
	return nil
}

func runApply(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("apply", s)
	file := fs.String("f", "", "file of resources (multi-document YAML, a JSON resource or array); - reads stdin")
	out := fs.String("o", "table", "output: table, yaml or json")
	cf := addClientFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, "apply -f FILE"); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("%w: -f FILE is required", ErrUsage)
	}
	var body []byte
	if *file == "-" {
		body, err = io.ReadAll(io.LimitReader(s.In, api.DefaultMaxBodyBytes+1))
	} else {
		body, err = os.ReadFile(*file)
	}
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	rs, err := c.Apply(ctx, body)
	if err != nil {
		return err
	}
	if *out == "table" {
		for _, r := range rs {
			fmt.Fprintf(s.Out, "%s applied (version %d)\n", r.Key(), r.Version)
		}
		return nil
	}
	return writeResources(s.Out, *out, rs, true, time.Now())
}

func runGet(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("get", s)
	mesh := fs.String("mesh", "", "mesh (lists: all meshes when empty; one resource: \"default\" when empty)")
	out := fs.String("o", "table", "output: table, yaml or json")
	cf := addClientFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, 2, "get KIND [NAME] [--mesh M] [-o table|yaml|json]"); err != nil {
		return err
	}
	if *out != "table" && *out != "yaml" && *out != "json" {
		return fmt.Errorf("%w: -o %q: want table, yaml or json", ErrUsage, *out)
	}
	kind, err := resource.ParseKind(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		rs, err := c.List(ctx, kind, *mesh)
		if err != nil {
			return err
		}
		if len(rs) == 0 && *out == "table" {
			fmt.Fprintf(s.Err, "no %s resources\n", kind)
			return nil
		}
		return writeResources(s.Out, *out, rs, true, time.Now())
	}
	r, err := c.Get(ctx, keyOf(kind, *mesh, pos[1]))
	if err != nil {
		return err
	}
	return writeResources(s.Out, *out, []*resource.Resource{r}, false, time.Now())
}

// keyOf builds a key, putting scoped kinds in mesh "default" unless a mesh is given.
func keyOf(kind resource.Kind, mesh, name string) resource.Key {
	info, _ := resource.Info(kind)
	switch {
	case !info.Scoped:
		mesh = ""
	case mesh == "":
		mesh = "default"
	}
	return resource.Key{Kind: kind, Mesh: mesh, Name: name}
}

func runDelete(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("delete", s)
	mesh := fs.String("mesh", "", "mesh of the resource (default \"default\" for mesh-scoped kinds)")
	cf := addClientFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, 2, "delete KIND NAME [--mesh M]"); err != nil {
		return err
	}
	kind, err := resource.ParseKind(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	key := keyOf(kind, *mesh, pos[1])
	if err := c.Delete(ctx, key); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s deleted\n", key)
	return nil
}

func runInspect(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("inspect", s)
	out := fs.String("o", "table", "output for zones: table or json")
	cf := addClientFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const usage = "inspect zones | inspect dataplane MESH NAME"
	if len(pos) == 0 {
		return fmt.Errorf("%w: %s", ErrUsage, usage)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	switch pos[0] {
	case "zones":
		if err := wantArgs(pos, 1, 1, usage); err != nil {
			return err
		}
		zs, err := c.Zones(ctx)
		if err != nil {
			return err
		}
		if *out == "json" {
			return writeJSON(s.Out, zs)
		}
		return writeZoneTable(s.Out, zs, time.Now())
	case "dataplane", "dataplanes":
		if err := wantArgs(pos, 3, 3, usage); err != nil {
			return err
		}
		mesh := pos[1]
		if mesh == api.NoMesh {
			mesh = ""
		}
		pc, err := c.InspectDataplane(ctx, mesh, pos[2])
		if err != nil {
			return err
		}
		return writeJSON(s.Out, pc)
	}
	return fmt.Errorf("%w: unknown %q; %s", ErrUsage, pos[0], usage)
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func writeResources(w io.Writer, format string, rs []*resource.Resource, list bool, now time.Time) error {
	switch format {
	case "json":
		if !list {
			return writeJSON(w, rs[0])
		}
		return writeJSON(w, rs)
	case "yaml":
		for i, r := range rs {
			b, err := resource.MarshalYAML(r)
			if err != nil {
				return err
			}
			if i > 0 {
				fmt.Fprintln(w, "---")
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
	return writeResourceTable(w, rs, now)
}

// writeResourceTable writes one row per resource; mesh-scoped kinds get a MESH column.
func writeResourceTable(w io.Writer, rs []*resource.Resource, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	scoped := false
	for _, r := range rs {
		if info, _ := resource.Info(r.Kind); info.Scoped {
			scoped = true
		}
	}
	if scoped {
		fmt.Fprint(tw, "MESH\t")
	}
	fmt.Fprintln(tw, "NAME\tVERSION\tORIGIN\tAGE\tDETAILS")
	for _, r := range rs {
		if scoped {
			fmt.Fprintf(tw, "%s\t", r.Mesh)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", r.Name, r.Version, dash(r.Origin), age(now, r.CreationTime), summary(r))
	}
	return tw.Flush()
}

// summary is a one-line digest of a resource's spec for the table.
func summary(r *resource.Resource) string {
	switch sp := r.Spec.(type) {
	case *resource.MeshSpec:
		if sp.MTLS.Enabled {
			return "mtls=on"
		}
		return "mtls=off"
	case *resource.ZoneSpec:
		if sp.IsEnabled() {
			return "enabled"
		}
		return "disabled"
	case *resource.DataplaneSpec:
		var svcs []string
		for _, in := range sp.Networking.Inbound {
			svcs = append(svcs, fmt.Sprintf("%s:%d", in.Tags["service"], in.Port))
		}
		return fmt.Sprintf("%s %s", sp.Networking.Address, strings.Join(svcs, ","))
	case *resource.ZoneIngressSpec:
		return fmt.Sprintf("zone=%s %s:%d services=%d", sp.Zone, sp.Networking.Address, sp.Networking.Port, len(sp.AvailableServices))
	case *resource.TrafficPermissionSpec:
		srcs := make([]string, len(sp.Sources))
		for i, src := range sp.Sources {
			srcs[i] = src.Service
		}
		return fmt.Sprintf("%s %s -> %s", sp.Action, strings.Join(srcs, ","), sp.Destination.Service)
	}
	if d, ok := resource.DestinationOf(r.Spec); ok {
		return "-> " + d.Service
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// age renders how long ago t was, in the largest unit that fits ("45s", "12m", "5h", "3d").
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// writeZoneTable writes one row per zone: status, last seen, connected since, synced counts.
func writeZoneTable(w io.Writer, zs []api.ZoneStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "ZONE\tSTATUS\tLAST SEEN\tCONNECTED\tRESOURCES SYNCED")
	for _, z := range zs {
		status := "Offline"
		if z.Online {
			status = "Online"
		}
		if !z.Enabled {
			status += " (disabled)"
		}
		seen := "never"
		if !z.LastSeen.IsZero() {
			seen = age(now, z.LastSeen) + " ago"
		}
		kinds := make([]string, 0, len(z.ResourcesSynced))
		for _, k := range resource.Kinds() {
			if n, ok := z.ResourcesSynced[k]; ok {
				kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
			}
		}
		synced := strings.Join(kinds, " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", z.Name, status, seen, age(now, z.ConnectedSince), dash(synced))
	}
	return tw.Flush()
}

package docker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/dataplane/echo"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/scenarios"
)

// dnsMixed: web in a docker pod (zone-a), api as processes (zone-b), DNS on everywhere.
const dnsMixed = `name: dns
topology:
  backend: docker
  global: {}
  zones:
  - name: zone-a
    ingress: 1
    services:
    - {name: web, replicas: 1}
  - name: zone-b
    backend: process
    ingress: 1
    services:
    - {name: api, replicas: 1}
mesh: {name: default, mtls: true}
policies:
- kind: TrafficPermission
  mesh: default
  name: all
  spec:
    destination: {service: "*"}
    sources: [{service: "*"}]
    action: allow
`

// The helper runs inside a pod's network namespace (nsenter -n): it resolves each name with the
// nameserver of the app container's resolv.conf, as the app would, and calls http://name/.
const helperEnv = "ZONEMESH_POD_DNS_HELPER"

func TestPodDNSHelper(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper: runs only inside a pod's namespace, started by TestPodResolvesMeshNames")
	}
	resolvConf, names, _ := strings.Cut(spec, "|")
	ns, err := nameserver(resolvConf)
	if err != nil {
		t.Fatal(err)
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort(ns, "53"))
	}}
	for _, name := range strings.Split(names, ",") {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ips, err := r.LookupIP(ctx, "ip4", name)
		cancel()
		if err != nil {
			fmt.Printf("RESULT %s resolve-error %v\n", name, err)
			continue
		}
		if !strings.HasSuffix(name, ".mesh") {
			fmt.Printf("RESULT %s %s -\n", name, ips[0])
			continue
		}
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, net.JoinHostPort(ips[0].String(), "80"))
		}}}
		resp, err := c.Get("http://" + name + "/")
		if err != nil {
			fmt.Printf("RESULT %s %s call-error %v\n", name, ips[0], err)
			continue
		}
		var rep echo.Reply
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		json.Unmarshal(b, &rep)
		fmt.Printf("RESULT %s %s %d:%s:%s\n", name, ips[0], resp.StatusCode, rep.Service, rep.Zone)
	}
}

func nameserver(resolvConf string) (string, error) {
	f, err := os.Open(resolvConf)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fs := strings.Fields(s.Text()); len(fs) == 2 && fs[0] == "nameserver" {
			return fs[1], nil
		}
	}
	return "", fmt.Errorf("%s: no nameserver", resolvConf)
}

func TestPodResolvesMeshNames(t *testing.T) {
	cli := requireDocker(t)
	if os.Geteuid() != 0 {
		t.Skip("entering a pod's network namespace (nsenter) needs root")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("nsenter is not installed")
	}
	sc, err := scenarios.Parse("dns.yaml", []byte(dnsMixed))
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	env, err := mesh.New(sc, mesh.Options{Out: t.TempDir(), Binary: cptest.Binary(t), Progress: &progress, DNS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := env.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, progress.String())
	}
	run := runID(t, progress.String())
	if err := env.Wait(ctx, &scenarios.Wait{For: scenarios.WaitConverged, Timeout: scenarios.Duration(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}

	// The web pod's app container: its PID gives the namespace, its root the resolv.conf it sees.
	f := client.Filters{}.Add("label", docker.LabelRun+"="+run)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	var app, zoneCP string
	for _, c := range cs.Items {
		switch comp := c.Labels[docker.LabelComponent]; {
		case strings.HasPrefix(comp, "zone-a/web") && strings.HasSuffix(comp, "/app"):
			app = c.ID
		case comp == "zone-a/cp":
			zoneCP = strings.TrimPrefix(c.Names[0], "/")
		}
	}
	if app == "" || zoneCP == "" {
		t.Fatalf("no web app container or zone-a cp among %d containers of run %s", len(cs.Items), run)
	}
	ins, err := cli.ContainerInspect(ctx, app, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid := ins.Container.State.Pid
	resolvConf := fmt.Sprintf("/proc/%d/root/etc/resolv.conf", pid)
	if ns, err := nameserver(resolvConf); err != nil || ns != "127.0.0.1" {
		t.Fatalf("app container's resolv.conf names %q (%v), want the sidecar at 127.0.0.1", ns, err)
	}
	want := map[string]string{
		"web.mesh":         "200:web:zone-a", // its own service, through its sidecar
		"api.mesh":         "200:api:zone-b", // a process zone, through zone-b's ingress
		"api.default.mesh": "200:api:zone-b",
	}
	names := []string{"web.mesh", "api.mesh", "api.default.mesh", zoneCP}
	var got map[string][]string
	for attempt := 0; ; attempt++ {
		cmd := exec.CommandContext(ctx, "nsenter", "-t", strconv.Itoa(pid), "-n", "--", os.Args[0], "-test.run=^TestPodDNSHelper$", "-test.v")
		cmd.Env = append(os.Environ(), helperEnv+"="+resolvConf+"|"+strings.Join(names, ","))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helper in the pod: %v\n%s", err, out)
		}
		got = map[string][]string{}
		for _, l := range strings.Split(string(out), "\n") {
			if fs := strings.Fields(l); len(fs) >= 3 && fs[0] == "RESULT" {
				got[fs[1]] = fs[2:]
			}
		}
		ok := true
		for n, w := range want {
			if len(got[n]) < 2 || got[n][1] != w {
				ok = false
			}
		}
		if ok || attempt == 20 {
			break
		}
		time.Sleep(500 * time.Millisecond) // remote services reach zone-a's sidecars after convergence
	}
	t.Logf("from the web pod: %v", got)
	for n, w := range want {
		if len(got[n]) < 2 || got[n][1] != w || !strings.HasPrefix(got[n][0], "127.") {
			t.Fatalf("%s from the web pod: %v, want a 127.64/10 VIP answering %s", n, got[n], w)
		}
	}
	if got["api.mesh"][0] != got["api.default.mesh"][0] || got["api.mesh"][0] == got["web.mesh"][0] {
		t.Fatalf("VIPs %v: api's two names must match, web's differ", got)
	}
	// A name outside .mesh goes to Docker's resolver: the zone CP's container name resolves.
	if r := got[zoneCP]; len(r) < 1 || strings.HasPrefix(r[0], "resolve-error") || strings.HasPrefix(r[0], "127.") {
		t.Fatalf("%s through the sidecar's upstream: %v", zoneCP, got[zoneCP])
	}

	// The process side: api's sidecar serves DNS on <ip>:15053 and its VIP listeners on the
	// first VIP port (it is the process backend's only instance); web lives in the docker zone.
	apiIn := env.Plan.Zone("zone-b").Instances[0]
	dnsAddr := net.JoinHostPort(apiIn.IP.String(), strconv.Itoa(process.DNSPort))
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, dnsAddr)
	}}
	ips, err := r.LookupIP(ctx, "ip4", "web.mesh")
	if err != nil {
		t.Fatalf("web.mesh at the process sidecar's DNS %s: %v", dnsAddr, err)
	}
	if ips[0].String() != got["web.mesh"][0] {
		t.Fatalf("web.mesh is %s in zone-b, %s in zone-a: VIPs differ across zones", ips[0], got["web.mesh"][0])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + net.JoinHostPort(ips[0].String(), strconv.Itoa(process.VIPPortBase)) + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	t.Logf("from zone-b's process sidecar: web.mesh → %s, called on port %d: %d from %s", ips[0], process.VIPPortBase, resp.StatusCode, resp.Header.Get(echo.ZoneHeader))
	if z := resp.Header.Get(echo.ZoneHeader); resp.StatusCode != http.StatusOK || z != "zone-a" {
		t.Fatalf("process pod → web VIP: %d from zone %q, want 200 from zone-a", resp.StatusCode, z)
	}
}

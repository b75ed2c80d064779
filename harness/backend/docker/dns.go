package docker

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/moby/moby/api/types/container"
)

// A pod with Options.DNS has its own network namespace, so it uses the well-known ports: the
// sidecar's DNS on 127.0.0.1:53 (what the app's resolv.conf names) and every service VIP on 80,
// so the app calls http://<service>.mesh/ as in Kuma.
const (
	PodDNSAddr = "127.0.0.1:53"
	PodVIPPort = 80
	// dockerDNS is Docker's embedded resolver, reachable inside every namespace on a
	// user-defined network: the sidecar forwards names outside .mesh there.
	dockerDNS = "127.0.0.11:53"
)

// podDNS is what Options.DNS changes in a pod: the sidecar's extra flags, a change to the
// sidecar's host config (it owns the namespace) and one to the app's.
type podDNS struct {
	dpArgs  []string
	sidecar func(*container.HostConfig)
	app     func(*container.HostConfig)
}

// dnsFor prepares a pod's DNS under dir; the zero podDNS (no change) unless Options.DNS.
func (b *Backend) dnsFor(dir string) (podDNS, error) {
	if !b.opts.DNS {
		return podDNS{}, nil
	}
	rc := filepath.Join(dir, "resolv.conf")
	// ndots:1 keeps "api.mesh" from being tried under search domains first.
	if err := os.WriteFile(rc, []byte("nameserver 127.0.0.1\noptions ndots:1\n"), 0o644); err != nil {
		return podDNS{}, err
	}
	return podDNS{
		dpArgs: []string{"--dns-addr", PodDNSAddr, "--dns-upstream", dockerDNS, "--vip-port", strconv.Itoa(PodVIPPort)},
		sidecar: func(h *container.HostConfig) {
			// The sidecar runs as the harness's user: ports 53 and 80 must be bindable without
			// root in the pod's namespace (a namespaced sysctl; Docker sets it by default since
			// 20.10, set here so older engines behave alike).
			if h.Sysctls == nil {
				h.Sysctls = map[string]string{}
			}
			h.Sysctls["net.ipv4.ip_unprivileged_port_start"] = "0"
		},
		app: func(h *container.HostConfig) {
			// A container joining another's namespace cannot take --dns; a file bound over
			// /etc/resolv.conf replaces the one Docker would share from the sidecar.
			h.Binds = append(h.Binds, rc+":/etc/resolv.conf:ro")
		},
	}, nil
}

package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/dataplane"
)

func init() {
	register(Command{Name: "dp", Summary: "run the reference proxy (sidecar or zone ingress) fed by a zone control plane over ADS", Run: runDP})
}

func runDP(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("dp", s)
	mode := fs.String("mode", "sidecar", "sidecar or ingress")
	cp := fs.String("cp", "", "zone control plane xDS address host:port (required)")
	caFile := fs.String("ca-file", "", "PEM file of the CA that signed the control plane's certificate (required)")
	tokenFile := fs.String("token-file", "", "file holding the dataplane token (required)")
	resFile := fs.String("resource", "", "Dataplane or ZoneIngress YAML/JSON; replaces the flags below")
	name := fs.String("name", "", "dataplane (or ingress) name")
	mesh := fs.String("mesh", "default", "mesh (sidecar mode)")
	zone := fs.String("zone", "", "zone this proxy runs in (required)")
	address := fs.String("address", "127.0.0.1", "address other proxies reach this one at (ingress: listen address)")
	var inbound, outbound stringList
	fs.Var(&inbound, "inbound", "port:appPort:service:version:protocol (repeatable; version and protocol may be empty)")
	fs.Var(&outbound, "outbound", "port:service, a declared TCP outbound (repeatable)")
	appAddr := fs.String("app-address", "", "address the app listens on, where inbounds forward to (default 127.0.0.1)")
	outAddr := fs.String("outbound-address", "", "address of the outbound HTTP listener (default 127.0.0.1)")
	outPort := fs.Int("outbound-port", 0, "port of the outbound HTTP listener (0: none)")
	ingPort := fs.Int("port", 10001, "ingress listen port (ingress mode)")
	advAddr := fs.String("advertised-address", "", "address other zones dial (ingress mode; default --address)")
	advPort := fs.Int("advertised-port", 0, "port other zones dial (ingress mode; default --port)")
	adminAddr := fs.String("admin", "127.0.0.1:9901", "admin API listen address")
	ready := fs.String("ready-file", "", "write the bound admin address here (JSON) once serving")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	dnsAddr := fs.String("dns-addr", "", "serve the sidecar DNS (<service>.mesh → VIP) on this host:port, UDP and TCP (e.g. 127.0.0.1:15053; port 53 needs root)")
	dnsUpstream := fs.String("dns-upstream", "", "host:port that names outside .mesh are forwarded to (default: refused)")
	vipPort := fs.Int("vip-port", 0, "ask the zone for one outbound listener per service VIP on this port (sets the Dataplane label "+xds.VIPPortLabel+"; 0: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for flag, v := range map[string]string{"--cp": *cp, "--ca-file": *caFile, "--token-file": *tokenFile, "--zone": *zone} {
		if v == "" {
			return fmt.Errorf("%w: %s is required", ErrUsage, flag)
		}
	}
	var r *resource.Resource
	var err error
	if *resFile != "" {
		b, err := os.ReadFile(*resFile)
		if err != nil {
			return err
		}
		if r, err = resource.Decode(b); err != nil {
			return fmt.Errorf("%w: --resource %s: %v", ErrUsage, *resFile, err)
		}
	} else {
		if *name == "" {
			return fmt.Errorf("%w: --name is required", ErrUsage)
		}
		switch *mode {
		case "sidecar":
			r, err = sidecarResource(*mesh, *name, *address, *appAddr, *outAddr, *outPort, inbound, outbound)
		case "ingress":
			r, err = ingressResource(*name, *zone, *address, *ingPort, *advAddr, *advPort)
		default:
			return fmt.Errorf("%w: --mode %q: want sidecar or ingress", ErrUsage, *mode)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		if err := resource.Validate(r); err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
	}
	if *vipPort != 0 {
		if *vipPort < 0 || *vipPort > 65535 || r.Kind != resource.KindDataplane {
			return fmt.Errorf("%w: --vip-port %d: want a port 1-65535, sidecar mode only", ErrUsage, *vipPort)
		}
		if r.Labels == nil {
			r.Labels = map[string]string{}
		}
		r.Labels[xds.VIPPortLabel] = strconv.Itoa(*vipPort)
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		return err
	}
	tok, err := auth.ReadTokenFile(*tokenFile)
	if err != nil {
		return err
	}
	log, err := newLogger(s, *level)
	if err != nil {
		return err
	}
	a, err := dataplane.Start(dataplane.Options{CPAddr: *cp, CAPEM: caPEM, Token: tok, Zone: *zone, Resource: r,
		AdminAddr: *adminAddr, DNSAddr: *dnsAddr, DNSUpstream: *dnsUpstream, Logf: func(f string, args ...any) { log.Info(fmt.Sprintf(f, args...)) }})
	if err != nil {
		return err
	}
	defer a.Close()
	readyInfo := map[string]string{"admin": a.AdminAddr(), "node": dataplane.NodeID(r)}
	if a.DNS != nil {
		readyInfo["dns"] = a.DNS.Addr()
	}
	if err := writeReadyFile(*ready, readyInfo); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "dp %s (%s): control plane %s, admin http://%s\n", dataplane.NodeID(r), r.Kind, *cp, a.AdminAddr())
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}

func sidecarResource(mesh, name, address, appAddr, outAddr string, outPort int, inbound, outbound []string) (*resource.Resource, error) {
	r, err := resource.New(resource.KindDataplane)
	if err != nil {
		return nil, err
	}
	r.Mesh, r.Name = mesh, name
	spec := r.Spec.(*resource.DataplaneSpec)
	spec.Networking = resource.DataplaneNetworking{Address: address, OutboundAddress: outAddr, OutboundPort: outPort}
	for i, in := range inbound {
		f := strings.Split(in, ":")
		if len(f) < 3 || len(f) > 5 {
			return nil, fmt.Errorf("--inbound[%d] %q: want port:appPort:service[:version[:protocol]]", i, in)
		}
		port, err1 := strconv.Atoi(f[0])
		app, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("--inbound[%d] %q: ports must be numbers", i, in)
		}
		tags := map[string]string{resource.TagService: f[2]}
		if len(f) > 3 && f[3] != "" {
			tags[resource.TagVersion] = f[3]
		}
		if len(f) > 4 && f[4] != "" {
			tags[resource.TagProtocol] = f[4]
		}
		spec.Networking.Inbound = append(spec.Networking.Inbound, resource.Inbound{Port: port, ServicePort: app, ServiceAddress: appAddr, Tags: tags})
	}
	for i, o := range outbound {
		p, svc, ok := strings.Cut(o, ":")
		port, err := strconv.Atoi(p)
		if !ok || err != nil || svc == "" {
			return nil, fmt.Errorf("--outbound[%d] %q: want port:service", i, o)
		}
		spec.Networking.Outbound = append(spec.Networking.Outbound, resource.Outbound{Port: port, Service: svc})
	}
	return r, nil
}

func ingressResource(name, zone, address string, port int, advAddr string, advPort int) (*resource.Resource, error) {
	r, err := resource.New(resource.KindZoneIngress)
	if err != nil {
		return nil, err
	}
	r.Name = name
	spec := r.Spec.(*resource.ZoneIngressSpec)
	spec.Zone = zone
	spec.Networking = resource.ZoneIngressNetworking{Address: address, Port: port, AdvertisedAddress: advAddr, AdvertisedPort: advPort}
	return r, nil
}

package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/kube/crds"
	"github.com/zonemesh/zonemesh/controlplane/zone"
)

func init() {
	register(Command{Name: "install", Summary: "print Kubernetes manifests: `install control-plane --mode global|zone`, `install crds`", Run: runInstall})
}

func runInstall(ctx context.Context, s Streams, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: install: want control-plane or crds", ErrUsage)
	}
	switch args[0] {
	case "crds":
		fs := newFlagSet("install crds", s)
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		_, err := s.Out.Write(crds.YAML)
		return err
	case "control-plane":
		fs := newFlagSet("install control-plane", s)
		var o kube.InstallOptions
		fs.StringVar(&o.Mode, "mode", "zone", "global or zone")
		fs.StringVar(&o.Zone, "zone", "", "zone name (zone mode)")
		fs.StringVar(&o.GlobalAddress, "global-address", "", "global's KDS address host:port (zone mode)")
		fs.StringVar(&o.Namespace, "namespace", kube.DefaultNamespace, "namespace of the control plane")
		fs.StringVar(&o.Image, "image", kube.DefaultImage, "zonemesh image (control plane, ingress, sidecars)")
		kdsType := fs.String("kds-service-type", "NodePort", "how global's KDS is exposed to zones in other clusters: NodePort or LoadBalancer (global mode)")
		kdsPort := fs.Int("kds-node-port", 0, "fixed node port of global's KDS Service (global mode; 0: the cluster picks)")
		var kdsHosts stringList
		fs.Var(&kdsHosts, "kds-host", "name or address zones dial global's KDS at, for its certificate (global mode, repeatable)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		o.KDSServiceType, o.KDSNodePort, o.KDSHosts = corev1.ServiceType(*kdsType), *kdsPort, kdsHosts
		out, err := kube.Manifests(o)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		_, err = s.Out.Write(out)
		return err
	}
	return fmt.Errorf("%w: install %q: want control-plane or crds", ErrUsage, args[0])
}

// kubeFlags are the zone command's Kubernetes-mode flags.
type kubeFlags struct {
	mode, kubeconfig, context, namespace, systemNamespace string
	webhookAddr, webhookService, image                    string
	installCRDs                                           bool
}

func addKubeFlags(fs *flag.FlagSet) *kubeFlags {
	k := &kubeFlags{mode: "universal"}
	// Checked while parsing, so a bad mode is reported before anything else is looked at.
	fs.Func("mode", "universal (memory store) or kubernetes (custom resources, pod controller, injection webhook) (default universal)", func(v string) error {
		if v != "universal" && v != "kubernetes" {
			return errors.New("want universal or kubernetes")
		}
		k.mode = v
		return nil
	})
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig file (kubernetes mode; default in-cluster, then $KUBECONFIG)")
	fs.StringVar(&k.context, "kube-context", "", "kubeconfig context (kubernetes mode)")
	fs.StringVar(&k.namespace, "namespace", "", "namespace whose Pods become Dataplanes (kubernetes mode; default all)")
	fs.StringVar(&k.systemNamespace, "system-namespace", "", "the control plane's own namespace: the zone keeps the zone ingress token Secret there (kubernetes mode; empty: none)")
	fs.StringVar(&k.webhookAddr, "webhook-addr", "", "listen address of the sidecar injection webhook (kubernetes mode; empty: no webhook)")
	fs.StringVar(&k.webhookService, "webhook-service", "", "NAME.NAMESPACE of the Service in front of the webhook (default: the API server calls --webhook-addr directly)")
	fs.StringVar(&k.image, "sidecar-image", kube.DefaultImage, "image of the injected zonemesh dp container")
	fs.BoolVar(&k.installCRDs, "install-crds", true, "apply the CRDs at start (kubernetes mode)")
	return k
}

// setup fills cfg.Store and cfg.Extra for the Kubernetes mode.
func (k *kubeFlags) setup(ctx context.Context, cfg *zone.Config) error {
	if k.mode != "kubernetes" { // --mode is validated while parsing
		return nil
	}
	mc := kube.ModeConfig{Zone: cfg.Name, Kubeconfig: k.kubeconfig, Context: k.context, Namespace: k.namespace,
		SystemNamespace: k.systemNamespace, DataDir: cfg.DataDir, InstallCRDs: k.installCRDs, WebhookAddr: k.webhookAddr, Clock: cfg.Clock, Logger: cfg.Logger}
	mc.Injector.Sidecar = kube.SidecarConfig{Image: k.image, Zone: cfg.Name, CPAddress: cfg.XDSAddr}
	if k.webhookService != "" {
		name, ns, ok := strings.Cut(k.webhookService, ".")
		if !ok || name == "" || ns == "" {
			return fmt.Errorf("%w: --webhook-service %q: want NAME.NAMESPACE", ErrUsage, k.webhookService)
		}
		mc.Injector.ServiceName, mc.Injector.ServiceNamespace = name, ns
		_, port, _ := net.SplitHostPort(cfg.XDSAddr)
		mc.Injector.Sidecar.CPAddress = net.JoinHostPort(name+"."+ns+".svc", port)
	}
	st, extras, err := kube.Setup(ctx, mc)
	if err != nil {
		return err
	}
	da, err := mc.DataplaneAuth()
	if err != nil {
		st.Close()
		return err
	}
	cfg.Store, cfg.Extra, cfg.DataplaneAuth = st, append(cfg.Extra, extras...), da
	return nil
}

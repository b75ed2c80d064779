package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/zonemesh/zonemesh/controlplane/store"
)

// ModeConfig configures a zone's Kubernetes mode.
type ModeConfig struct {
	Zone string
	// Kubeconfig and Context pick the cluster; both empty means in-cluster, else the
	// default loading rules ($KUBECONFIG, ~/.kube/config). REST, when set, wins.
	Kubeconfig, Context string
	REST                *rest.Config
	// Namespace limits the pod controller ("" watches all namespaces).
	Namespace string
	// SystemNamespace is where the control plane and its zone ingress Deployment run: the
	// zone keeps the ingress token Secret there and admits ingresses named "<pod>.<ns>" with
	// it ("": ingresses need tokens of their own).
	SystemNamespace string
	// DataDir is the zone's data directory. With it, the zone keeps the CA ConfigMap and
	// the namespace token Secret that injected sidecars mount in every namespace labelled
	// for injection (see CredentialsController), and DataplaneAuth accepts those tokens.
	DataDir string
	// InstallCRDs applies the CRDs before starting (the control plane's own install).
	InstallCRDs bool
	// Webhook serves sidecar injection when WebhookAddr is set.
	WebhookAddr string
	Injector    InjectorConfig
	Clock       func() time.Time
	Logger      *slog.Logger
}

// RESTConfig resolves where ModeConfig points.
func (c ModeConfig) RESTConfig() (*rest.Config, error) {
	if c.REST != nil {
		return rest.CopyConfig(c.REST), nil
	}
	if c.Kubeconfig == "" && c.Context == "" {
		if cfg, err := rest.InClusterConfig(); err == nil {
			return cfg, nil
		}
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if c.Kubeconfig != "" {
		rules.ExplicitPath = c.Kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: c.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kube: kubeconfig: %w", err)
	}
	return cfg, nil
}

// Setup builds what zone.Config needs for the Kubernetes mode: the store of custom
// resources, and the pod controller and injection webhook as extra components (they run
// until the zone's context ends). The zone closes the store.
func Setup(ctx context.Context, c ModeConfig) (store.Store, []func(context.Context) error, error) {
	if c.Zone == "" {
		return nil, nil, errors.New("kube: zone name is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, nil, err
	}
	if c.InstallCRDs {
		if err := InstallCRDs(ctx, cfg); err != nil {
			return nil, nil, err
		}
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kube: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kube: %w", err)
	}
	st, err := NewStore(ctx, dyn, StoreOptions{Clock: c.Clock, Logger: c.Logger})
	if err != nil {
		return nil, nil, err
	}
	pc, err := NewPodController(PodControllerConfig{Client: cs, Store: st, Zone: c.Zone, Namespace: c.Namespace, Logger: c.Logger})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	extras := []func(context.Context) error{pc.Run}
	if c.DataDir != "" {
		cc, err := NewCredentialsController(CredentialsConfig{Client: cs, DataDir: c.DataDir, SystemNamespace: c.SystemNamespace,
			Clock: c.Clock, Logger: c.Logger})
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		extras = append(extras, cc.Run)
	}
	if c.WebhookAddr != "" {
		ic := c.Injector
		ic.Addr, ic.Client, ic.Logger = c.WebhookAddr, cs, c.Logger
		if ic.Sidecar.Zone == "" {
			ic.Sidecar.Zone = c.Zone
		}
		in, err := NewInjector(ic)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		extras = append(extras, in.Run)
	}
	return st, extras, nil
}

// DataplaneAuth is the token check for zone.Config.DataplaneAuth: the zone's own tokens
// and the namespace tokens of injected sidecars. It needs DataDir.
func (c ModeConfig) DataplaneAuth() (*DataplaneAuth, error) {
	if c.DataDir == "" {
		return nil, errors.New("kube: dataplane auth needs the zone's data directory")
	}
	s, err := ZoneSigner(c.DataDir, c.Clock)
	if err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	return &DataplaneAuth{Signer: s, IngressNamespace: c.SystemNamespace}, nil
}

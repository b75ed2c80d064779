package kube

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/ca"
)

// Injection labels and names.
const (
	// LabelInjection on a namespace ("enabled") makes the webhook inject its Pods.
	LabelInjection = "zonemesh.io/injection"
	// SidecarName is the injected container's name; a Pod that has one is left alone.
	SidecarName = "zonemesh-dp"
	// WebhookConfigName is the MutatingWebhookConfiguration the injector manages.
	WebhookConfigName = "zonemesh-sidecar-injector"
	webhookName       = "sidecar-injector.zonemesh.io"
	injectPath        = "/inject"
)

// InjectorConfig configures the injection webhook.
type InjectorConfig struct {
	// Addr is where the webhook listens (host:port; port 0 picks one).
	Addr string
	// URL is how the API server reaches it; default https://<bound Addr>/inject. Empty
	// ServiceName/ServiceNamespace use the URL; set them to point at an in-cluster Service.
	URL                           string
	ServiceName, ServiceNamespace string
	// Hosts are the names in the serving certificate (default: the host of Addr, plus the
	// Service's DNS names when set).
	Hosts []string
	// Client writes the MutatingWebhookConfiguration (with the CA bundle); nil leaves it to
	// the caller (see Injector.WebhookConfiguration).
	Client kubernetes.Interface
	// Sidecar is what the injected container runs.
	Sidecar SidecarConfig
	Logger  *slog.Logger
}

// SidecarConfig is the injected `zonemesh dp` container.
type SidecarConfig struct {
	Image string
	// Zone the proxies run in; CPAddress the zone control plane's xDS address.
	Zone, CPAddress string
	// CAConfigMap holds ca.pem (the zone CP's CA); TokenSecret holds token (a dataplane
	// token). Both live in the Pod's namespace.
	CAConfigMap, TokenSecret string
	// OutboundPort is where the app reaches mesh services (default 15001).
	OutboundPort int
}

// Injector is the running webhook server.
type Injector struct {
	cfg   InjectorConfig
	log   *slog.Logger
	lis   net.Listener // set by Run before bound closes
	srv   *http.Server
	caPEM []byte
	bound chan struct{} // closed once Run has bound lis
}

// NewInjector creates a CA and a serving certificate; Run binds Addr and serves.
func NewInjector(cfg InjectorConfig) (*Injector, error) {
	if cfg.Sidecar.Image == "" || cfg.Sidecar.Zone == "" || cfg.Sidecar.CPAddress == "" {
		return nil, errors.New("kube: injector: sidecar image, zone and control plane address are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("kube: injector: address %q: %w", cfg.Addr, err)
	}
	hosts := append([]string(nil), cfg.Hosts...)
	if len(hosts) == 0 && host != "" && host != "0.0.0.0" && host != "::" {
		hosts = append(hosts, host)
	}
	if cfg.ServiceName != "" {
		hosts = append(hosts, cfg.ServiceName+"."+cfg.ServiceNamespace+".svc",
			cfg.ServiceName+"."+cfg.ServiceNamespace+".svc.cluster.local")
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("kube: injector: address %q has no host for the certificate; set Hosts or ServiceName", cfg.Addr)
	}
	caPEM, caKey, err := ca.NewCA("zonemesh sidecar injector", 10*365*24*time.Hour, nil)
	if err != nil {
		return nil, fmt.Errorf("kube: injector: %w", err)
	}
	authority, err := ca.LoadCA(caPEM, caKey, nil)
	if err != nil {
		return nil, fmt.Errorf("kube: injector: %w", err)
	}
	certPEM, keyPEM, err := authority.IssueServer(hosts, 10*365*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("kube: injector: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("kube: injector: %w", err)
	}
	in := &Injector{cfg: cfg, log: cfg.Logger.With("component", "injector"), caPEM: caPEM, bound: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+injectPath, in.serveInject)
	in.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	return in, nil
}

// Addr is the bound address; it waits until Run has bound it.
func (in *Injector) Addr() string {
	<-in.bound
	return in.lis.Addr().String()
}

// CABundle is the PEM the API server verifies the webhook with.
func (in *Injector) CABundle() []byte { return append([]byte(nil), in.caPEM...) }

// Run binds Addr, registers the webhook (when Client is set) and serves until ctx ends.
// It runs once.
func (in *Injector) Run(ctx context.Context) error {
	lis, err := net.Listen("tcp", in.cfg.Addr)
	if err != nil {
		return fmt.Errorf("kube: injector: %w", err)
	}
	in.lis = lis
	close(in.bound)
	errc := make(chan error, 1)
	go func() { errc <- in.srv.ServeTLS(in.lis, "", "") }()
	if in.cfg.Client != nil {
		if err := in.register(ctx); err != nil {
			in.srv.Close()
			<-errc
			return err
		}
	}
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		in.srv.Shutdown(sctx)
		<-errc
		return nil
	case err := <-errc:
		return fmt.Errorf("kube: injector: %w", err)
	}
}

// register creates or updates the MutatingWebhookConfiguration with this server's CA.
func (in *Injector) register(ctx context.Context) error {
	want := in.WebhookConfiguration()
	api := in.cfg.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	cur, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if err == nil {
		want.ResourceVersion = cur.ResourceVersion
		_, err = api.Update(ctx, want, metav1.UpdateOptions{FieldManager: FieldManager})
	} else {
		_, err = api.Create(ctx, want, metav1.CreateOptions{FieldManager: FieldManager})
	}
	if err != nil {
		return fmt.Errorf("kube: injector: register webhook: %w", err)
	}
	return nil
}

// WebhookConfiguration is the MutatingWebhookConfiguration that sends Pod creations in
// namespaces labelled zonemesh.io/injection=enabled to this server. Without a Service
// or URL it names the bound address, so it waits for Run to bind.
func (in *Injector) WebhookConfiguration() *admissionregistrationv1.MutatingWebhookConfiguration {
	return webhookConfiguration(in.caPEM, in.clientConfig())
}

func (in *Injector) clientConfig() admissionregistrationv1.WebhookClientConfig {
	cc := admissionregistrationv1.WebhookClientConfig{CABundle: in.CABundle()}
	if in.cfg.ServiceName != "" {
		path := injectPath
		_, port, _ := net.SplitHostPort(in.cfg.Addr) // a Service needs a fixed port
		p, _ := strconv.Atoi(port)
		p32 := int32(p)
		cc.Service = &admissionregistrationv1.ServiceReference{Name: in.cfg.ServiceName, Namespace: in.cfg.ServiceNamespace, Path: &path, Port: &p32}
	} else {
		u := in.cfg.URL
		if u == "" {
			u = "https://" + in.Addr() + injectPath
		}
		cc.URL = &u
	}
	return cc
}

func webhookConfiguration(caPEM []byte, cc admissionregistrationv1.WebhookClientConfig) *admissionregistrationv1.MutatingWebhookConfiguration {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	never := admissionregistrationv1.NeverReinvocationPolicy
	timeout := int32(10)
	cc.CABundle = caPEM
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: WebhookConfigName, Labels: map[string]string{"app.kubernetes.io/part-of": "zonemesh"}},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    webhookName,
			ClientConfig:            cc,
			AdmissionReviewVersions: []string{"v1"},
			SideEffects:             &none,
			FailurePolicy:           &fail,
			ReinvocationPolicy:      &never,
			TimeoutSeconds:          &timeout,
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{LabelInjection: "enabled"}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
					Resources: []string{"pods"}},
			}},
		}},
	}
}

func (in *Injector) serveInject(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, "kube: injector: body is not an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
	var pod corev1.Pod
	if err := json.Unmarshal(review.Request.Object.Raw, &pod); err != nil {
		resp.Allowed = false
		resp.Result = &metav1.Status{Message: "decode pod: " + err.Error(), Code: http.StatusBadRequest}
	} else if patch, err := InjectPatch(&pod, review.Request.Namespace, in.cfg.Sidecar); err != nil {
		resp.Allowed = false
		resp.Result = &metav1.Status{Message: err.Error(), Code: http.StatusBadRequest}
	} else if patch != nil {
		pt := admissionv1.PatchTypeJSONPatch
		resp.Patch, resp.PatchType = patch, &pt
		in.log.Info("injected sidecar", "namespace", review.Request.Namespace, "pod", podName(&pod))
	}
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func podName(p *corev1.Pod) string {
	if p.Name != "" {
		return p.Name
	}
	return p.GenerateName + "*"
}

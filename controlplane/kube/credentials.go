package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/zone"
)

// What an injected sidecar mounts from its namespace (see InjectPatch).
const (
	CAConfigMapName = "zonemesh-ca"
	TokenSecretName = "zonemesh-dp-token"
	// IngressTokenSecretName is what the zone ingress Deployment mounts in the control
	// plane's own namespace (see the install manifests).
	IngressTokenSecretName = "zonemesh-ingress-token"
	// CAKey holds the zone control plane's CA (PEM); TokenKey a namespace token.
	CAKey    = "ca.pem"
	TokenKey = "token"
	// AnnotationRefreshAfter on the token Secret is when the controller replaces the token
	// (half its lifetime), RFC 3339.
	AnnotationRefreshAfter = "zonemesh.io/refresh-after"
	// DefaultNamespaceTokenTTL is a namespace token's lifetime.
	DefaultNamespaceTokenTTL = 7 * 24 * time.Hour
	// anyMesh is the mesh claim of a namespace token: the Pod's annotation picks the mesh.
	anyMesh = "*"
)

// namespaceSubject is the name claim of namespace ns's token: it stands for every
// dataplane named "<pod>.<ns>", the name the injected sidecar registers under.
func namespaceSubject(ns string) string { return "*." + ns }

// IssueNamespaceToken issues the dataplane token the sidecars of namespace ns share.
func IssueNamespaceToken(s *auth.Signer, ns string, ttl time.Duration) (string, error) {
	if ns == "" {
		return "", errors.New("kube: namespace token: namespace must not be empty")
	}
	return s.IssueDataplaneToken(anyMesh, namespaceSubject(ns), auth.ProxySidecar, ttl)
}

// IssueIngressToken issues the token the zone ingress Pods of the control plane's namespace
// ns share: it admits zone ingresses named "<pod>.<ns>" and nothing else.
func IssueIngressToken(s *auth.Signer, ns string, ttl time.Duration) (string, error) {
	if ns == "" {
		return "", errors.New("kube: ingress token: namespace must not be empty")
	}
	return s.IssueDataplaneToken("", namespaceSubject(ns), auth.ProxyIngress, ttl)
}

// DataplaneAuth is the Kubernetes mode's token check: a token the zone's key signed for
// exactly the proxy (as in the universal mode), or the namespace token of the proxy's
// namespace when the proxy is a sidecar named "<pod>.<namespace>". Pods share their
// namespace's token because the admission webhook, which fixes the Pod's volumes, runs
// before the Pod has a name; the ingress Deployment's Pods share one for the same reason.
type DataplaneAuth struct {
	Signer *auth.Signer
	// IngressNamespace is the control plane's namespace: the only one whose ingress token
	// (IssueIngressToken) admits zone ingresses ("": none does).
	IngressNamespace string
}

// Authenticate implements the xDS server's DataplaneAuthenticator.
func (a DataplaneAuth) Authenticate(_ context.Context, mesh, name, token string) error {
	_, err := a.Signer.VerifyDataplaneToken(token, mesh, name)
	if err == nil {
		return nil
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return err
	}
	ns := name[i+1:]
	if mesh == "" { // a zone ingress: only the control plane namespace's ingress token
		if a.IngressNamespace == "" || ns != a.IngressNamespace {
			return err
		}
		if kind, e := a.Signer.VerifyDataplaneToken(token, "", namespaceSubject(ns)); e == nil && kind == auth.ProxyIngress {
			return nil
		}
		return err
	}
	if kind, e := a.Signer.VerifyDataplaneToken(token, anyMesh, namespaceSubject(ns)); e == nil && kind == auth.ProxySidecar {
		return nil
	}
	return err
}

// ZoneSigner is the signer of the zone whose data directory is dataDir (the key is created
// there on first use, by whichever of the zone and this package comes first).
func ZoneSigner(dataDir string, clock func() time.Time) (*auth.Signer, error) {
	if clock == nil {
		clock = time.Now
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil { // the zone may not have started yet
		return nil, err
	}
	return auth.LoadSigner(filepath.Join(dataDir, zone.DataplaneTokenKeyFile), clock)
}

// CredentialsConfig configures a CredentialsController.
type CredentialsConfig struct {
	Client kubernetes.Interface
	// DataDir is the zone's data directory: its CA (ca/ca.pem) and dataplane token key.
	DataDir  string
	TokenTTL time.Duration
	// SystemNamespace is the control plane's namespace: it gets the CA ConfigMap and the
	// ingress token Secret the zone ingress Deployment mounts ("": no ingress credentials).
	SystemNamespace string
	Clock           func() time.Time
	Logger          *slog.Logger
}

// CredentialsController keeps ConfigMap zonemesh-ca (the zone's CA) and Secret
// zonemesh-dp-token (a namespace token) in every namespace labelled for injection, so the
// injected sidecar can start: it creates them, puts back what someone deleted or changed,
// and replaces the token at half its lifetime.
type CredentialsController struct {
	cfg    CredentialsConfig
	log    *slog.Logger
	signer *auth.Signer
	nsInf  cache.SharedIndexInformer
	starts []func(stop <-chan struct{})
	synced []cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
}

// NewCredentialsController wires the informers; Run starts them.
func NewCredentialsController(cfg CredentialsConfig) (*CredentialsController, error) {
	if cfg.Client == nil || cfg.DataDir == "" {
		return nil, errors.New("kube: credentials controller needs a client and the zone's data directory")
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultNamespaceTokenTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s, err := ZoneSigner(cfg.DataDir, cfg.Clock)
	if err != nil {
		return nil, fmt.Errorf("kube: credentials: %w", err)
	}
	c := &CredentialsController{cfg: cfg, log: cfg.Logger.With("component", "credentials"), signer: s,
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
	// Namespaces labelled for injection, and our two objects in any namespace.
	nsFactory := informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = LabelInjection + "=enabled" }))
	c.nsInf = nsFactory.Core().V1().Namespaces().Informer()
	byName := func(name string) informers.SharedInformerOption {
		return informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + name })
	}
	cmInf := informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0, byName(CAConfigMapName)).Core().V1().ConfigMaps().Informer()
	secInf := informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0, byName(TokenSecretName)).Core().V1().Secrets().Informer()
	ingInf := informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0, byName(IngressTokenSecretName)).Core().V1().Secrets().Informer()
	enqueue := func(o any) {
		if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
			o = t.Obj
		}
		m, err := metaOf(o)
		if err != nil {
			return
		}
		ns := m.GetNamespace()
		if ns == "" { // a Namespace
			ns = m.GetName()
		}
		c.queue.Add(ns)
	}
	h := cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, o any) { enqueue(o) }, DeleteFunc: enqueue}
	for _, inf := range []cache.SharedIndexInformer{c.nsInf, cmInf, secInf, ingInf} {
		if _, err := inf.AddEventHandler(h); err != nil {
			return nil, err
		}
	}
	c.starts = []func(<-chan struct{}){
		func(stop <-chan struct{}) { go c.nsInf.Run(stop) },
		func(stop <-chan struct{}) { go cmInf.Run(stop) },
		func(stop <-chan struct{}) { go secInf.Run(stop) },
		func(stop <-chan struct{}) { go ingInf.Run(stop) },
	}
	c.synced = []cache.InformerSynced{c.nsInf.HasSynced, cmInf.HasSynced, secInf.HasSynced, ingInf.HasSynced}
	return c, nil
}

func metaOf(o any) (metav1.Object, error) {
	m, ok := o.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("kube: %T has no object meta", o)
	}
	return m, nil
}

// Run keeps the credentials until ctx ends.
func (c *CredentialsController) Run(ctx context.Context) error {
	defer c.queue.ShutDown()
	for _, start := range c.starts {
		start(ctx.Done())
	}
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil // ctx ended
	}
	if c.cfg.SystemNamespace != "" {
		c.queue.Add(c.cfg.SystemNamespace)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c.next(ctx) {
		}
	}()
	<-ctx.Done()
	c.queue.ShutDown()
	<-done
	return nil
}

func (c *CredentialsController) next(ctx context.Context) bool {
	ns, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(ns)
	refresh, err := c.sync(ctx, ns)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("namespace credentials", "namespace", ns, "error", err)
			c.queue.AddRateLimited(ns)
		}
		return true
	}
	c.queue.Forget(ns)
	if refresh > 0 {
		c.queue.AddAfter(ns, refresh)
	}
	return true
}

// sync makes namespace ns's credentials current; it returns when a token wants replacing
// (0: the namespace has none).
func (c *CredentialsController) sync(ctx context.Context, ns string) (time.Duration, error) {
	_, labelled, err := c.nsInf.GetStore().GetByKey(ns)
	if err != nil {
		return 0, err
	}
	system := ns == c.cfg.SystemNamespace
	if !labelled && !system {
		return 0, nil
	}
	caPEM, err := os.ReadFile(filepath.Join(c.cfg.DataDir, zone.CADir, "ca.pem"))
	if err != nil {
		return 0, fmt.Errorf("zone CA: %w", err)
	}
	if err := c.ensureCA(ctx, ns, caPEM); err != nil {
		return 0, err
	}
	var next time.Duration
	if system {
		if next, err = c.ensureToken(ctx, ns, ingressToken); err != nil {
			return 0, err
		}
	}
	if labelled {
		d, err := c.ensureToken(ctx, ns, sidecarToken)
		if err != nil {
			return 0, err
		}
		if next == 0 || d < next {
			next = d
		}
	}
	return next, nil
}

// tokenKind is one of the two shared tokens the controller keeps.
type tokenKind struct {
	secret string
	mesh   string
	proxy  auth.ProxyKind
	issue  func(*auth.Signer, string, time.Duration) (string, error)
}

var (
	sidecarToken = tokenKind{secret: TokenSecretName, mesh: anyMesh, proxy: auth.ProxySidecar, issue: IssueNamespaceToken}
	ingressToken = tokenKind{secret: IngressTokenSecretName, mesh: "", proxy: auth.ProxyIngress, issue: IssueIngressToken}
)

func objectMeta(name, ns string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns,
		Labels: map[string]string{"app.kubernetes.io/part-of": "zonemesh", "app.kubernetes.io/managed-by": FieldManager}}
}

func (c *CredentialsController) ensureCA(ctx context.Context, ns string, caPEM []byte) error {
	api := c.cfg.Client.CoreV1().ConfigMaps(ns)
	cur, err := api.Get(ctx, CAConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		cm := &corev1.ConfigMap{ObjectMeta: objectMeta(CAConfigMapName, ns), Data: map[string]string{CAKey: string(caPEM)}}
		_, err = api.Create(ctx, cm, metav1.CreateOptions{FieldManager: FieldManager})
		return err
	}
	if err != nil {
		return err
	}
	if cur.Data[CAKey] == string(caPEM) {
		return nil
	}
	cur = cur.DeepCopy()
	if cur.Data == nil {
		cur.Data = map[string]string{}
	}
	cur.Data[CAKey] = string(caPEM)
	_, err = api.Update(ctx, cur, metav1.UpdateOptions{FieldManager: FieldManager})
	return err
}

func (c *CredentialsController) ensureToken(ctx context.Context, ns string, k tokenKind) (time.Duration, error) {
	api := c.cfg.Client.CoreV1().Secrets(ns)
	now := c.cfg.Clock()
	cur, err := api.Get(ctx, k.secret, metav1.GetOptions{})
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	if exists {
		after, perr := time.Parse(time.RFC3339, cur.Annotations[AnnotationRefreshAfter])
		kind, verr := c.signer.VerifyDataplaneToken(string(bytes.TrimSpace(cur.Data[TokenKey])), k.mesh, namespaceSubject(ns))
		if perr == nil && verr == nil && kind == k.proxy && now.Before(after) {
			return after.Sub(now), nil
		}
	}
	tok, err := k.issue(c.signer, ns, c.cfg.TokenTTL)
	if err != nil {
		return 0, err
	}
	after := now.Add(c.cfg.TokenTTL / 2).Truncate(time.Second)
	want := &corev1.Secret{ObjectMeta: objectMeta(k.secret, ns), Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{TokenKey: []byte(tok)}}
	want.Annotations = map[string]string{AnnotationRefreshAfter: after.UTC().Format(time.RFC3339)}
	if !exists {
		_, err = api.Create(ctx, want, metav1.CreateOptions{FieldManager: FieldManager})
	} else {
		want.ResourceVersion = cur.ResourceVersion
		_, err = api.Update(ctx, want, metav1.UpdateOptions{FieldManager: FieldManager})
	}
	if err != nil {
		return 0, err
	}
	c.log.Info("issued namespace token", "namespace", ns, "secret", k.secret, "refresh_after", after)
	return after.Sub(now), nil
}

package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Pod labels and annotations the controller reads.
const (
	// LabelService puts a Pod in the mesh as an instance of that service.
	LabelService = "zonemesh.io/service"
	LabelVersion = "zonemesh.io/version"
	// AnnotationMesh names the Pod's mesh (default "default").
	AnnotationMesh = "zonemesh.io/mesh"
	// AnnotationPort is the app's port; without it, the targetPort of a Service selecting
	// the Pod.
	AnnotationPort = "zonemesh.io/port"
	// AnnotationInboundPort is the sidecar's inbound port (default DefaultInboundPort).
	AnnotationInboundPort = "zonemesh.io/inbound-port"
	// AnnotationProtocol is the inbound's protocol tag (http or tcp; default http).
	AnnotationProtocol = "zonemesh.io/protocol"
	// LabelPod is the resource label (not a Kubernetes one: resource label keys have no
	// '/') marking the Dataplanes this controller owns with their Pod's namespace.name.
	LabelPod = "k8s-pod"

	DefaultInboundPort = 15006
	DefaultMesh        = "default"
)

// PodControllerConfig configures a PodController.
type PodControllerConfig struct {
	Client kubernetes.Interface
	Store  store.Store
	// Zone tags every inbound and is the Dataplanes' origin.
	Zone string
	// Namespace limits the controller to one namespace ("" watches all).
	Namespace string
	Logger    *slog.Logger
}

// PodController turns Pods labelled with LabelService into Dataplanes in the store and
// removes them when their Pod goes. Services give the app port when the Pod does not;
// EndpointSlices give readiness when they list the Pod.
type PodController struct {
	cfg     PodControllerConfig
	log     *slog.Logger
	factory informers.SharedInformerFactory
	pods    cache.SharedIndexInformer
	svcs    cache.SharedIndexInformer
	slices  cache.SharedIndexInformer
	queue   workqueue.TypedRateLimitingInterface[string]
}

// NewPodController wires the informers; Run starts them.
func NewPodController(cfg PodControllerConfig) (*PodController, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Zone == "" {
		return nil, errors.New("kube: pod controller needs a client, a store and a zone")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	f := informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0, informers.WithNamespace(cfg.Namespace))
	c := &PodController{cfg: cfg, log: cfg.Logger.With("component", "pod-controller", "zone", cfg.Zone), factory: f,
		pods: f.Core().V1().Pods().Informer(), svcs: f.Core().V1().Services().Informer(),
		slices: f.Discovery().V1().EndpointSlices().Informer(),
		queue:  workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())}
	podKey := func(o any) {
		if k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(o); err == nil {
			c.queue.Add(k)
		}
	}
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: podKey,
		UpdateFunc: func(_, o any) { podKey(o) }, DeleteFunc: podKey}); err != nil {
		return nil, err
	}
	// A Service or slice change re-examines every Pod of its namespace: cheap next to an
	// API round trip, and it needs no reverse index.
	nsChange := func(o any) {
		if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
			o = t.Obj
		}
		var ns string
		switch x := o.(type) {
		case *corev1.Service:
			ns = x.Namespace
		case *discoveryv1.EndpointSlice:
			ns = x.Namespace
		default:
			return
		}
		for _, p := range c.pods.GetStore().List() {
			if pod := p.(*corev1.Pod); pod.Namespace == ns {
				podKey(pod)
			}
		}
	}
	for _, inf := range []cache.SharedIndexInformer{c.svcs, c.slices} {
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: nsChange,
			UpdateFunc: func(_, o any) { nsChange(o) }, DeleteFunc: nsChange}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Run syncs until ctx ends: it first removes Dataplanes whose Pod no longer exists (the
// controller was down when it went), then follows changes.
func (c *PodController) Run(ctx context.Context) error {
	defer c.queue.ShutDown()
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), c.pods.HasSynced, c.svcs.HasSynced, c.slices.HasSynced) {
		return nil // ctx ended
	}
	if err := c.removeOrphans(ctx); err != nil {
		c.log.Warn("removing dataplanes of gone pods", "error", err)
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

func (c *PodController) next(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		if ctx.Err() != nil {
			return true
		}
		c.log.Warn("sync pod", "pod", key, "error", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// dataplaneName is the Dataplane of Pod ns/name.
func dataplaneName(ns, name string) string { return name + "." + ns }

func (c *PodController) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	o, exists, err := c.pods.GetStore().GetByKey(key)
	if err != nil {
		return err
	}
	var want *resource.Resource
	if exists {
		if want, err = c.dataplaneFor(o.(*corev1.Pod)); err != nil {
			c.log.Warn("pod not added to the mesh", "pod", key, "error", err)
		}
	}
	existing, err := c.owned(ctx, dataplaneName(ns, name))
	if err != nil {
		return err
	}
	if want == nil {
		for _, d := range existing {
			if err := c.cfg.Store.Delete(ctx, d.Key()); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	}
	for _, d := range existing { // the Pod moved to another mesh
		if d.Mesh != want.Mesh {
			if err := c.cfg.Store.Delete(ctx, d.Key()); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	_, err = c.cfg.Store.Put(ctx, want) // an unchanged Dataplane is not rewritten
	return err
}

// owned returns this controller's Dataplanes named name, in any mesh.
func (c *PodController) owned(ctx context.Context, name string) ([]*resource.Resource, error) {
	all, err := c.cfg.Store.List(ctx, resource.KindDataplane, "")
	if err != nil {
		return nil, err
	}
	var out []*resource.Resource
	for _, d := range all {
		if d.Name == name && d.Labels[LabelPod] != "" && d.Origin == c.cfg.Zone {
			out = append(out, d)
		}
	}
	return out, nil
}

func (c *PodController) removeOrphans(ctx context.Context) error {
	all, err := c.cfg.Store.List(ctx, resource.KindDataplane, "")
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, o := range c.pods.GetStore().List() {
		p := o.(*corev1.Pod)
		live[dataplaneName(p.Namespace, p.Name)] = true
	}
	for _, d := range all {
		if d.Labels[LabelPod] != "" && d.Origin == c.cfg.Zone && !live[d.Name] {
			if err := c.cfg.Store.Delete(ctx, d.Key()); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// dataplaneFor is the Dataplane a Pod should have, or nil when it has none: not labelled,
// not running, no IP yet, or being deleted.
func (c *PodController) dataplaneFor(p *corev1.Pod) (*resource.Resource, error) {
	svc := p.Labels[LabelService]
	if svc == "" || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
		return nil, nil
	}
	// An injected sidecar registers the Pod's Dataplane itself over xDS (with its outbound
	// listener) and unregisters it when it stops; a second writer would overwrite it.
	for _, ct := range p.Spec.Containers {
		if ct.Name == SidecarName {
			return nil, nil
		}
	}
	appPort, err := c.appPort(p)
	if err != nil {
		return nil, err
	}
	inPort := DefaultInboundPort
	if s := p.Annotations[AnnotationInboundPort]; s != "" {
		if inPort, err = parsePort(s); err != nil {
			return nil, fmt.Errorf("annotation %s: %w", AnnotationInboundPort, err)
		}
	}
	mesh := p.Annotations[AnnotationMesh]
	if mesh == "" {
		mesh = DefaultMesh
	}
	proto := p.Annotations[AnnotationProtocol]
	if proto == "" {
		proto = resource.ProtocolHTTP
	}
	tags := map[string]string{resource.TagService: svc, resource.TagZone: c.cfg.Zone, resource.TagProtocol: proto}
	if v := p.Labels[LabelVersion]; v != "" {
		tags[resource.TagVersion] = v
	}
	in := resource.Inbound{Port: inPort, ServicePort: appPort, Tags: tags}
	if ready := c.ready(p); !ready {
		in.Ready = &ready
	}
	d := &resource.Resource{Kind: resource.KindDataplane,
		Meta: resource.Meta{Mesh: mesh, Name: dataplaneName(p.Namespace, p.Name), Origin: c.cfg.Zone,
			Labels: map[string]string{LabelPod: p.Namespace + "." + p.Name}},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{Address: p.Status.PodIP,
			Inbound: []resource.Inbound{in}}}}
	if err := resource.Validate(d); err != nil {
		return nil, err
	}
	return d, nil
}

func (c *PodController) appPort(p *corev1.Pod) (int, error) {
	if s := p.Annotations[AnnotationPort]; s != "" {
		port, err := parsePort(s)
		if err != nil {
			return 0, fmt.Errorf("annotation %s: %w", AnnotationPort, err)
		}
		return port, nil
	}
	for _, o := range c.svcs.GetStore().List() {
		s := o.(*corev1.Service)
		if s.Namespace != p.Namespace || len(s.Spec.Selector) == 0 || len(s.Spec.Ports) == 0 {
			continue
		}
		if !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(p.Labels)) {
			continue
		}
		tp := s.Spec.Ports[0].TargetPort
		if tp.IntValue() > 0 {
			return tp.IntValue(), nil
		}
		for _, ct := range p.Spec.Containers { // a named targetPort
			for _, cp := range ct.Ports {
				if cp.Name == tp.StrVal {
					return int(cp.ContainerPort), nil
				}
			}
		}
		return int(s.Spec.Ports[0].Port), nil
	}
	return 0, fmt.Errorf("no annotation %s and no Service selects the pod", AnnotationPort)
}

// ready is the Pod's readiness as an EndpointSlice lists it, else its Ready condition.
func (c *PodController) ready(p *corev1.Pod) bool {
	for _, o := range c.slices.GetStore().List() {
		s := o.(*discoveryv1.EndpointSlice)
		if s.Namespace != p.Namespace {
			continue
		}
		for _, e := range s.Endpoints {
			if e.TargetRef != nil && e.TargetRef.Kind == "Pod" && e.TargetRef.Name == p.Name {
				return e.Conditions.Ready == nil || *e.Conditions.Ready
			}
		}
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port (1-65535)", s)
	}
	return n, nil
}

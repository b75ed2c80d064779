package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
)

// Config configures an Agent.
type Config struct {
	Client kubernetes.Interface
	// Node is the Node the agent creates and runs the Pods of (default "agent-node").
	Node string
	// NodeIP is the Node's address, the Pods' hostIP (default 127.0.0.1).
	NodeIP string
	// Binary is the zonemesh executable: containers run it (their command names zonemesh,
	// or is empty and their image is a zonemesh image).
	Binary string
	// Addresses is where Pod IPs come from, one each (default 127.160.0.0/16, outside the zones' VIP range 127.64.0.0/10).
	Addresses netip.Prefix
	// Dir holds each Pod's volumes and container logs (Dir/<namespace>.<pod>/).
	Dir string
	// Grace bounds a container's stop after SIGTERM (default 5 s).
	Grace  time.Duration
	Logger *slog.Logger
}

// Agent runs the Pods bound to its Node until Close.
type Agent struct {
	cfg    Config
	log    *slog.Logger
	inf    cache.SharedIndexInformer
	queue  workqueue.TypedRateLimitingInterface[string]
	cancel context.CancelFunc
	done   chan struct{}
	beat   chan struct{} // closed when the heartbeat has stopped

	mu     sync.Mutex
	pods   map[string]*pod // by namespace/name
	ips    map[types.UID]netip.Addr
	next   netip.Addr // next Pod IP to hand out
	closed bool
}

// Start registers the Node (Ready) and starts following its Pods.
func Start(ctx context.Context, cfg Config) (*Agent, error) {
	if cfg.Client == nil || cfg.Binary == "" || cfg.Dir == "" {
		return nil, errors.New("nodeagent: Client, Binary and Dir are required")
	}
	if cfg.Node == "" {
		cfg.Node = "agent-node"
	}
	if cfg.NodeIP == "" {
		cfg.NodeIP = "127.0.0.1"
	}
	if !cfg.Addresses.IsValid() {
		cfg.Addresses = netip.MustParsePrefix("127.160.0.0/16")
	}
	if !cfg.Addresses.Addr().Is4() || !cfg.Addresses.Addr().IsLoopback() {
		return nil, fmt.Errorf("nodeagent: Addresses %s: want an IPv4 loopback prefix", cfg.Addresses)
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("nodeagent: %w", err)
	}
	a := &Agent{cfg: cfg, log: cfg.Logger.With("component", "nodeagent", "node", cfg.Node), pods: map[string]*pod{}, ips: map[types.UID]netip.Addr{},
		next:  cfg.Addresses.Masked().Addr().Next().Next(), // .0.0 is the network, .0.1 left out
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		done:  make(chan struct{})}
	if err := a.registerNode(ctx); err != nil {
		return nil, err
	}
	f := informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName=" + cfg.Node }))
	a.inf = f.Core().V1().Pods().Informer()
	key := func(o any) {
		if k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(o); err == nil {
			a.queue.Add(k)
		}
	}
	if _, err := a.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: key,
		UpdateFunc: func(_, o any) { key(o) }, DeleteFunc: key}); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.beat = make(chan struct{})
	go a.heartbeat(runCtx)
	go a.inf.Run(runCtx.Done())
	go func() {
		defer close(a.done)
		if !cache.WaitForCacheSync(runCtx.Done(), a.inf.HasSynced) {
			return
		}
		for a.work(runCtx) {
		}
	}()
	return a, nil
}

// Node is the agent's Node name (Pods set spec.nodeName to it).
func (a *Agent) Node() string { return a.cfg.Node }

// Close stops following Pods and stops every process the agent started. Pods stay in the
// API server. It is idempotent.
func (a *Agent) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	pods := a.pods
	a.pods = map[string]*pod{}
	a.mu.Unlock()
	a.cancel()
	a.queue.ShutDown()
	<-a.done
	<-a.beat
	var wg sync.WaitGroup
	for _, p := range pods {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(a.cfg.Grace) }()
	}
	wg.Wait()
	return nil
}

// registerNode creates the Node (or takes it over) and marks it Ready. Nothing expires the
// condition: the test cluster runs no node lifecycle controller.
func (a *Agent) registerNode(ctx context.Context) error {
	api := a.cfg.Client.CoreV1().Nodes()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: a.cfg.Node,
		Labels: map[string]string{"kubernetes.io/hostname": a.cfg.Node, "kubernetes.io/os": "linux", "zonemesh.io/node-agent": "true"}}}
	if _, err := api.Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("nodeagent: create node: %w", err)
	}
	now := metav1.Now()
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := api.Get(ctx, a.cfg.Node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
			Reason: "NodeAgentReady", Message: "zonemesh test node agent", LastHeartbeatTime: now, LastTransitionTime: now}}
		cur.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: a.cfg.NodeIP},
			{Type: corev1.NodeHostName, Address: a.cfg.Node}}
		cur.Status.Capacity = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110"),
			corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}
		cur.Status.Allocatable = cur.Status.Capacity
		_, err = api.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
}

func (a *Agent) work(ctx context.Context) bool {
	key, quit := a.queue.Get()
	if quit {
		return false
	}
	defer a.queue.Done(key)
	if err := a.sync(ctx, key); err != nil {
		if ctx.Err() != nil {
			return true
		}
		a.log.Warn("sync pod", "pod", key, "error", err)
		a.queue.AddRateLimited(key)
		return true
	}
	a.queue.Forget(key)
	return true
}

func (a *Agent) sync(ctx context.Context, key string) error {
	o, exists, err := a.inf.GetStore().GetByKey(key)
	if err != nil {
		return err
	}
	a.mu.Lock()
	running := a.pods[key]
	a.mu.Unlock()
	var obj *corev1.Pod
	if exists {
		obj = o.(*corev1.Pod)
	}
	// Gone, replaced by a Pod of the same name, or being deleted: stop what runs.
	if running != nil && (obj == nil || obj.UID != running.uid || obj.DeletionTimestamp != nil) {
		a.mu.Lock()
		delete(a.pods, key)
		a.mu.Unlock()
		running.stop(a.grace(obj))
		running = nil
	}
	if obj == nil {
		return nil
	}
	if obj.DeletionTimestamp != nil {
		// What the kubelet does once the containers are gone: remove the Pod for good.
		zero := int64(0)
		err := a.cfg.Client.CoreV1().Pods(obj.Namespace).Delete(ctx, obj.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero,
			Preconditions: &metav1.Preconditions{UID: &obj.UID}})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	}
	if running != nil || obj.Status.Phase == corev1.PodSucceeded || obj.Status.Phase == corev1.PodFailed {
		return nil
	}
	return a.startPod(ctx, key, obj)
}

// grace is how long a deleted Pod's containers get after SIGTERM.
func (a *Agent) grace(p *corev1.Pod) time.Duration {
	if p != nil && p.DeletionGracePeriodSeconds != nil {
		if g := time.Duration(*p.DeletionGracePeriodSeconds) * time.Second; g < a.cfg.Grace {
			return g
		}
	}
	return a.cfg.Grace
}

// allocate hands out the Pod's address (the same one again when its start is retried).
func (a *Agent) allocate(uid types.UID) (netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.ips[uid]; ok {
		return ip, nil
	}
	ip := a.next
	if !a.cfg.Addresses.Contains(ip) {
		return netip.Addr{}, fmt.Errorf("nodeagent: no Pod IP left in %s", a.cfg.Addresses)
	}
	a.next = ip.Next()
	a.ips[uid] = ip
	return ip, nil
}

func (a *Agent) startPod(ctx context.Context, key string, obj *corev1.Pod) error {
	ip, err := a.allocate(obj.UID)
	if err != nil {
		return err
	}
	p := &pod{agent: a, key: key, uid: obj.UID, ns: obj.Namespace, name: obj.Name, ip: ip,
		dir: filepath.Join(a.cfg.Dir, obj.Namespace+"."+obj.Name+"."+string(obj.UID)[:8]), started: metav1.Now()}
	specs, err := a.prepare(ctx, obj, p)
	if err != nil && !isUnsupported(err) {
		return err // e.g. a Secret not created yet: retried, as a kubelet keeps the Pod waiting
	}
	if err != nil {
		// A spec the agent cannot run fails the Pod with the reason, as a kubelet would.
		a.log.Warn("pod cannot run here", "pod", key, "error", err)
		return a.writeStatus(ctx, obj.Namespace, obj.Name, obj.UID, func(st *corev1.PodStatus) {
			st.Phase, st.Reason, st.Message = corev1.PodFailed, "NodeAgentUnsupported", err.Error()
		})
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.pods[key] = p
	a.mu.Unlock()
	// The IP first: containers read it through the downward API, and callers may wait for it.
	if err := p.reportStatus(ctx); err != nil {
		return err
	}
	if err := p.run(specs, obj.Spec.RestartPolicy); err != nil {
		a.log.Warn("start pod", "pod", key, "error", err)
	}
	a.log.Info("pod started", "pod", key, "ip", ip)
	return nil
}

// writeStatus applies change to the Pod's current status (if it is still the Pod uid).
func (a *Agent) writeStatus(ctx context.Context, ns, name string, uid types.UID, change func(*corev1.PodStatus)) error {
	api := a.cfg.Client.CoreV1().Pods(ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != uid {
			return nil
		}
		change(&cur.Status)
		_, err = api.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// LeaseRenewInterval is how often the agent renews its Node's Lease and Ready condition.
const LeaseRenewInterval = 10 * time.Second

// heartbeat renews the Node's Lease (kube-node-lease) and its Ready condition, as a kubelet
// does: with the controller manager running, a Node that stops renewing is marked
// unreachable after 40 s and its Pods are evicted.
func (a *Agent) heartbeat(ctx context.Context) {
	defer close(a.beat)
	t := time.NewTicker(LeaseRenewInterval)
	defer t.Stop()
	for {
		if err := a.renew(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("node heartbeat", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *Agent) renew(ctx context.Context) error {
	api := a.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NowMicro()
	secs := int32(40)
	l, err := api.Get(ctx, a.cfg.Node, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: a.cfg.Node, Namespace: corev1.NamespaceNodeLease},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &a.cfg.Node, LeaseDurationSeconds: &secs, RenewTime: &now}}
		_, err = api.Create(ctx, l, metav1.CreateOptions{})
	} else if err == nil {
		l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.RenewTime = &a.cfg.Node, &secs, &now
		_, err = api.Update(ctx, l, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	return a.registerNode(ctx)
}

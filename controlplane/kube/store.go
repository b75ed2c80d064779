package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// StoreOptions configure NewStore.
type StoreOptions struct {
	Clock  func() time.Time
	Logger *slog.Logger
}

// Store is a store.Store (and store.Batcher) whose durable copy is the cluster's custom
// resources. Writes go to the API server first and then to an in-memory mirror, under one
// lock, so events and revisions follow commit order. Use NewStore.
type Store struct {
	dyn    dynamic.Interface
	clock  func() time.Time
	log    *slog.Logger
	mirror store.Store

	mu     sync.Mutex
	rvs    map[resource.Key]uint64 // newest resourceVersion seen per key, kept after deletes
	closed bool

	stop   context.CancelFunc
	stopWG sync.WaitGroup
}

var _ store.Batcher = (*Store)(nil)

// NewStore loads every zonemesh custom resource of the cluster and keeps watching them.
// The CRDs must be installed (InstallCRDs).
func NewStore(ctx context.Context, dyn dynamic.Interface, opts StoreOptions) (_ *Store, err error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	for _, k := range resource.Kinds() {
		if _, err := dyn.Resource(GVR(k)).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("kube store: CRD %s.zonemesh.io is not installed (zonemesh install crds | kubectl apply -f -)", Plural(k))
			}
			return nil, fmt.Errorf("kube store: list %s: %w", Plural(k), err)
		}
	}
	s := &Store{dyn: dyn, clock: opts.Clock, log: opts.Logger.With("component", "kube-store"),
		mirror: store.NewMemory(opts.Clock), rvs: map[resource.Key]uint64{}}
	runCtx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	factory := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0)
	var synced []cache.InformerSynced
	for _, k := range resource.Kinds() {
		inf := factory.ForResource(GVR(k)).Informer()
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { s.observe(o, false) },
			UpdateFunc: func(_, o any) { s.observe(o, false) },
			DeleteFunc: func(o any) { s.observe(o, true) },
		}); err != nil {
			return nil, fmt.Errorf("kube store: %w", err)
		}
		synced = append(synced, inf.HasSynced)
	}
	factory.Start(runCtx.Done())
	s.stopWG.Add(1)
	go func() {
		defer s.stopWG.Done()
		<-runCtx.Done()
		factory.Shutdown() // waits for the informers' goroutines
	}()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return nil, fmt.Errorf("kube store: initial list of custom resources: %w", context.Cause(ctx))
	}
	return s, nil
}

// observe applies a change seen by the informer unless the store already holds that or a
// newer resourceVersion of the key (its own writes come back this way).
func (s *Store) observe(o any, deleted bool) {
	if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o = t.Obj
	}
	u, ok := o.(*unstructured.Unstructured)
	if !ok {
		return
	}
	r, err := fromObject(u)
	if err != nil {
		s.log.Warn("ignoring custom resource", "error", err)
		return
	}
	rv, err := strconv.ParseUint(u.GetResourceVersion(), 10, 64)
	if err != nil {
		s.log.Warn("ignoring custom resource", "name", u.GetName(), "resourceVersion", u.GetResourceVersion())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	key := r.Key()
	if known, ok := s.rvs[key]; ok && rv <= known {
		return
	}
	s.rvs[key] = rv
	ctx := context.Background()
	if deleted {
		if err := s.mirror.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("mirror delete", "key", key, "error", err)
		}
		return
	}
	if _, err := s.mirror.Put(ctx, r, store.KeepMeta()); err != nil {
		s.log.Warn("mirror put", "key", key, "error", err)
	}
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, r *resource.Resource, opts ...store.PutOption) (*resource.Resource, error) {
	out, err := s.PutAll(ctx, []*resource.Resource{r}, opts...)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// PutAll implements store.Batcher: every resource is checked before the first write, and
// a failed API write undoes the batch's earlier writes.
func (s *Store) PutAll(ctx context.Context, rs []*resource.Resource, opts ...store.PutOption) ([]*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var o store.PutOptions
	for _, opt := range opts {
		opt(&o)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	now := s.clock()
	type write struct {
		prev, next *resource.Resource
	}
	overlay := map[resource.Key]*resource.Resource{}
	var writes []write
	out := make([]*resource.Resource, len(rs))
	for i, r := range rs {
		if r == nil {
			return nil, errors.New("kube store: nil resource")
		}
		prev, ok := overlay[r.Key()]
		if !ok {
			got, err := s.mirror.Get(ctx, r.Key())
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			prev = got
		}
		next, changed, err := prepare(prev, r, now, o)
		if err != nil {
			return nil, err
		}
		out[i] = next
		if changed {
			overlay[r.Key()] = next
			writes = append(writes, write{prev: prev, next: next})
		}
	}
	for i, w := range writes {
		if err := s.writeObject(ctx, w.prev, w.next); err != nil {
			for j := i - 1; j >= 0; j-- { // undo in reverse order
				if uerr := s.writeObject(context.WithoutCancel(ctx), writes[j].next, writes[j].prev); uerr != nil {
					s.log.Error("undo of a failed batch", "key", writes[j].next.Key(), "error", uerr)
				}
			}
			return nil, err
		}
	}
	if len(writes) > 0 {
		changed := make([]*resource.Resource, len(writes))
		for i, w := range writes {
			changed[i] = w.next
		}
		if _, err := store.PutAll(ctx, s.mirror, changed, store.KeepMeta()); err != nil {
			return nil, fmt.Errorf("kube store: mirror: %w", err)
		}
	}
	for i := range out {
		out[i] = out[i].Clone()
	}
	return out, nil
}

// writeObject moves the custom resource from prev to next (either may be nil: create,
// delete) and records the resulting resourceVersion. Callers hold s.mu.
func (s *Store) writeObject(ctx context.Context, prev, next *resource.Resource) error {
	if next == nil {
		return s.deleteObject(ctx, prev.Key())
	}
	key := next.Key()
	obj, err := toObject(next)
	if err != nil {
		return err
	}
	client := s.dyn.Resource(GVR(key.Kind))
	var got *unstructured.Unstructured
	if prev == nil {
		got, err = client.Create(ctx, obj, metav1.CreateOptions{FieldManager: managedBy})
	}
	if rv, ok := s.rvs[key]; prev != nil && ok {
		// The version this store last wrote or saw; a conflict means someone else wrote
		// since, and the object is then read again below.
		obj.SetResourceVersion(strconv.FormatUint(rv, 10))
		if got, err = client.Update(ctx, obj, metav1.UpdateOptions{FieldManager: managedBy}); err == nil {
			s.rvs[key] = mustRV(got)
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return fmt.Errorf("kube store: write %s: %w", key, err)
		}
	}
	if prev != nil || apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		// An object the informer has not delivered yet (or one changed by someone else):
		// update it at its current resourceVersion.
		var cur *unstructured.Unstructured
		if cur, err = client.Get(ctx, obj.GetName(), metav1.GetOptions{}); err == nil {
			obj.SetResourceVersion(cur.GetResourceVersion())
			got, err = client.Update(ctx, obj, metav1.UpdateOptions{FieldManager: managedBy})
		} else if apierrors.IsNotFound(err) {
			got, err = client.Create(ctx, obj, metav1.CreateOptions{FieldManager: managedBy})
		}
	}
	if err != nil {
		return fmt.Errorf("kube store: write %s: %w", key, err)
	}
	s.rvs[key] = mustRV(got)
	return nil
}

// mustRV parses a resourceVersion; etcd-backed servers use its revision, a number. An
// unparsable one records 0, so that every later event of the key is applied.
func mustRV(u *unstructured.Unstructured) uint64 {
	rv, _ := strconv.ParseUint(u.GetResourceVersion(), 10, 64)
	return rv
}

func (s *Store) deleteObject(ctx context.Context, key resource.Key) error {
	client := s.dyn.Resource(GVR(key.Kind))
	name := ObjectName(key)
	cur, err := client.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kube store: delete %s: %w", key, err)
	}
	if err := client.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kube store: delete %s: %w", key, err)
	}
	// The delete event carries a newer resourceVersion than cur; recording cur's keeps
	// every older echo of this key out.
	if rv, perr := strconv.ParseUint(cur.GetResourceVersion(), 10, 64); perr == nil {
		s.rvs[key] = rv
	}
	return nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key resource.Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if _, err := s.mirror.Get(ctx, key); err != nil {
		return err
	}
	if err := s.deleteObject(ctx, key); err != nil {
		return err
	}
	return s.mirror.Delete(ctx, key)
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key resource.Key) (*resource.Resource, error) {
	return s.mirror.Get(ctx, key)
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, kind resource.Kind, mesh string) ([]*resource.Resource, error) {
	return s.mirror.List(ctx, kind, mesh)
}

// Subscribe implements store.Store.
func (s *Store) Subscribe(fn func(store.Event)) (cancel func()) { return s.mirror.Subscribe(fn) }

// Revision implements store.Store.
func (s *Store) Revision() uint64 { return s.mirror.Revision() }

// Close stops watching the cluster and closes the mirror; the custom resources stay.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.stopWG.Wait()
	return s.mirror.Close()
}

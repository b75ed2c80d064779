package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/zonemesh/zonemesh/harness/proc"
)

// pod is one running Pod.
type pod struct {
	agent         *Agent
	key, ns, name string
	uid           types.UID
	ip            netip.Addr
	dir           string
	started       metav1.Time

	cancel context.CancelFunc // ends the monitors
	wg     sync.WaitGroup

	mu       sync.Mutex
	ctrs     []*container
	stopping bool
}

type container struct {
	spec     proc.Spec
	name     string
	image    string
	probe    string // readiness URL ("" : ready once running)
	p        *proc.Process
	ready    bool
	restarts int32
	lastExit string
}

// unsupported is a Pod spec the agent cannot run: the Pod fails rather than waits.
type unsupported struct{ error }

func isUnsupported(err error) bool {
	var u unsupported
	return errors.As(err, &u)
}

func unsupportedf(format string, args ...any) error { return unsupported{fmt.Errorf(format, args...)} }

// prepare turns the Pod's containers into process specs: volumes written to files under the
// Pod's directory, env resolved, $(VAR) expanded, mount paths and the Pod's loopback mapped.
func (a *Agent) prepare(ctx context.Context, obj *corev1.Pod, p *pod) ([]*container, error) {
	if len(obj.Spec.InitContainers) > 0 {
		return nil, unsupportedf("spec.initContainers: not supported by the node agent")
	}
	vols, err := a.writeVolumes(ctx, obj, filepath.Join(p.dir, "volumes"))
	if err != nil {
		return nil, err
	}
	var out []*container
	for i, c := range obj.Spec.Containers {
		field := fmt.Sprintf("spec.containers[%d]", i)
		path, args, err := a.command(c, field)
		if err != nil {
			return nil, err
		}
		env, err := a.env(ctx, obj, c, p.ip, field)
		if err != nil {
			return nil, err
		}
		mounts := map[string]string{}
		for j, m := range c.VolumeMounts {
			host, ok := vols[m.Name]
			if !ok {
				return nil, unsupportedf("%s.volumeMounts[%d]: volume %q is not defined", field, j, m.Name)
			}
			mounts[m.MountPath] = filepath.Join(host, m.SubPath)
		}
		ip := p.ip.String()
		rewrite := func(s string) string { return mapLoopback(mapMounts(s, mounts), ip) }
		for j := range args {
			args[j] = rewrite(expand(args[j], env))
		}
		var envList []string
		for _, e := range sortedKeys(env) {
			envList = append(envList, e+"="+rewrite(env[e]))
		}
		ct := &container{name: c.Name, image: c.Image, spec: proc.Spec{Name: c.Name, Path: path, Args: args, Env: envList,
			LogDir: p.dir, Grace: a.cfg.Grace}}
		if rp := c.ReadinessProbe; rp != nil {
			if rp.HTTPGet == nil {
				return nil, unsupportedf("%s.readinessProbe: only httpGet is supported by the node agent", field)
			}
			port, err := probePort(c, rp.HTTPGet.Port.String())
			if err != nil {
				return nil, unsupportedf("%s.readinessProbe.httpGet.port: %v", field, err)
			}
			ct.probe = "http://" + net.JoinHostPort(ip, strconv.Itoa(port)) + rp.HTTPGet.Path
		}
		out = append(out, ct)
	}
	return out, nil
}

// command is the executable and arguments of c: the zonemesh binary, whose entrypoint is
// the image's when the container has no command.
func (a *Agent) command(c corev1.Container, field string) (string, []string, error) {
	args := append([]string(nil), c.Args...)
	if len(c.Command) == 0 {
		if !strings.Contains(c.Image, "zonemesh") {
			return "", nil, unsupportedf("%s: image %q without a command: the node agent runs only the zonemesh binary", field, c.Image)
		}
		return a.cfg.Binary, args, nil
	}
	if filepath.Base(c.Command[0]) != "zonemesh" {
		return "", nil, unsupportedf("%s.command[0] %q: the node agent runs only the zonemesh binary", field, c.Command[0])
	}
	return a.cfg.Binary, append(append([]string(nil), c.Command[1:]...), args...), nil
}

// env resolves the container's environment as the kubelet does for the sources used here:
// literal values (with $(VAR) of earlier ones), downward API fields, ConfigMap and Secret keys.
func (a *Agent) env(ctx context.Context, obj *corev1.Pod, c corev1.Container, ip netip.Addr, field string) (map[string]string, error) {
	out := map[string]string{}
	for i, e := range c.Env {
		f := fmt.Sprintf("%s.env[%d]", field, i)
		switch {
		case e.ValueFrom == nil:
			out[e.Name] = expand(e.Value, out)
		case e.ValueFrom.FieldRef != nil:
			v, err := fieldValue(obj, e.ValueFrom.FieldRef.FieldPath, ip, a.cfg.NodeIP)
			if err != nil {
				return nil, unsupportedf("%s.valueFrom.fieldRef: %v", f, err)
			}
			out[e.Name] = v
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			cm, err := a.cfg.Client.CoreV1().ConfigMaps(obj.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("%s.valueFrom.configMapKeyRef: %w", f, err)
			}
			out[e.Name] = cm.Data[r.Key]
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			s, err := a.cfg.Client.CoreV1().Secrets(obj.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("%s.valueFrom.secretKeyRef: %w", f, err)
			}
			out[e.Name] = string(s.Data[r.Key])
		default:
			return nil, unsupportedf("%s.valueFrom: only fieldRef, configMapKeyRef and secretKeyRef are supported by the node agent", f)
		}
	}
	return out, nil
}

func sortedKeys(env map[string]string) []string {
	var names []string
	for n := range env {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func fieldValue(p *corev1.Pod, path string, ip netip.Addr, nodeIP string) (string, error) {
	switch path {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return ip.String(), nil
	case "status.hostIP", "status.hostIPs":
		return nodeIP, nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": p.Labels, "metadata.annotations": p.Annotations} {
		if k, ok := strings.CutPrefix(path, prefix+"['"); ok && strings.HasSuffix(k, "']") {
			return m[strings.TrimSuffix(k, "']")], nil
		}
	}
	return "", unsupportedf("field %q is not supported by the node agent", path)
}

// writeVolumes materialises the Pod's volumes as directories: ConfigMap and Secret keys as
// files, emptyDir as an empty directory. It returns volume name -> directory.
func (a *Agent) writeVolumes(ctx context.Context, obj *corev1.Pod, dir string) (map[string]string, error) {
	out := map[string]string{}
	for i, v := range obj.Spec.Volumes {
		field := fmt.Sprintf("spec.volumes[%d]", i)
		d := filepath.Join(dir, v.Name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
		out[v.Name] = d
		var files map[string][]byte
		var items []corev1.KeyToPath
		switch {
		case v.EmptyDir != nil:
			continue
		case v.ConfigMap != nil:
			cm, err := a.cfg.Client.CoreV1().ConfigMaps(obj.Namespace).Get(ctx, v.ConfigMap.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("%s.configMap: %w", field, err)
			}
			files = map[string][]byte{}
			for k, s := range cm.Data {
				files[k] = []byte(s)
			}
			for k, b := range cm.BinaryData {
				files[k] = b
			}
			items = v.ConfigMap.Items
		case v.Secret != nil:
			s, err := a.cfg.Client.CoreV1().Secrets(obj.Namespace).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("%s.secret: %w", field, err)
			}
			files, items = s.Data, v.Secret.Items
		default:
			return nil, unsupportedf("%s (%s): only configMap, secret and emptyDir volumes are supported by the node agent", field, v.Name)
		}
		paths := map[string]string{} // key -> file name
		for k := range files {
			paths[k] = k
		}
		if len(items) > 0 {
			paths = map[string]string{}
			for _, it := range items {
				paths[it.Key] = it.Path
			}
		}
		for k, name := range paths {
			b, ok := files[k]
			if !ok {
				return nil, fmt.Errorf("%s: key %q not found", field, k)
			}
			f := filepath.Join(d, name)
			if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
				return nil, err
			}
			if err := os.WriteFile(f, b, 0o600); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// expand replaces $(VAR) with env's value as Kubernetes does: undefined references stay,
// $$ is a literal $.
func expand(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				name := s[i+2 : i+2+end]
				if v, ok := env[name]; ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i : i+3+end])
				}
				i += 2 + end
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mapMounts replaces a mount path at the start of s or after '=' with its host directory.
func mapMounts(s string, mounts map[string]string) string {
	paths := make([]string, 0, len(mounts))
	for m := range mounts {
		paths = append(paths, m)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) }) // longest first
	for _, m := range paths {
		for _, sep := range []string{"", "="} {
			at := 0
			if sep != "" {
				at = strings.Index(s, sep) + 1
				if at == 0 {
					continue
				}
			}
			rest := s[at:]
			if rest == m || strings.HasPrefix(rest, m+"/") {
				return s[:at] + mounts[m] + rest[len(m):]
			}
		}
	}
	return s
}

// loopback matches the Pod's own addresses as a host: they are the Pod's IP here.
var loopback = regexp.MustCompile(`(^|[^0-9A-Za-z.])(127\.0\.0\.1|0\.0\.0\.0|localhost)([^0-9A-Za-z.]|$)`)

func mapLoopback(s, ip string) string {
	// Twice: adjacent matches share a separator.
	for range 2 {
		s = loopback.ReplaceAllString(s, "${1}"+ip+"${3}")
	}
	return s
}

func probePort(c corev1.Container, port string) (int, error) {
	if n, err := strconv.Atoi(port); err == nil {
		return n, nil
	}
	for _, p := range c.Ports {
		if p.Name == port {
			return int(p.ContainerPort), nil
		}
	}
	return 0, unsupportedf("%q is neither a number nor a named port of the container", port)
}

// run starts the containers in order and watches them: a container that exits is
// restarted (unless the policy is Never) and the Pod reported not ready meanwhile.
func (p *pod) run(ctrs []*container, policy corev1.RestartPolicy) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.ctrs, p.cancel = ctrs, cancel
	p.mu.Unlock()
	for _, c := range ctrs {
		pr, err := proc.Start(ctx, c.spec)
		if err != nil {
			c.lastExit = err.Error()
			p.agent.log.Warn("container did not start", "pod", p.key, "container", c.name, "error", err)
			continue
		}
		p.mu.Lock()
		c.p = pr
		p.mu.Unlock()
		p.wg.Add(1)
		go p.watch(ctx, c, policy)
	}
	return nil
}

func (p *pod) watch(ctx context.Context, c *container, policy corev1.RestartPolicy) {
	defer p.wg.Done()
	backoff := time.Second
	for {
		p.mu.Lock()
		pr := c.p
		p.mu.Unlock()
		if c.probe != "" && !p.waitProbe(ctx, c, pr) {
			return
		}
		p.setReady(c, true)
		select {
		case <-ctx.Done():
			return
		case <-pr.Done():
		}
		p.mu.Lock()
		c.lastExit = fmt.Sprint(pr.ExitErr())
		c.restarts++
		p.mu.Unlock()
		p.agent.log.Warn("container exited", "pod", p.key, "container", c.name, "exit", pr.ExitErr(), "log", pr.LogPath())
		p.setReady(c, false)
		if policy == corev1.RestartPolicyNever {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
		if err := pr.Restart(ctx); err != nil && ctx.Err() == nil {
			p.agent.log.Warn("container restart", "pod", p.key, "container", c.name, "error", err)
		}
	}
}

// waitProbe polls the readiness URL until it answers 2xx; false when the Pod stops first.
func (p *pod) waitProbe(ctx context.Context, c *container, pr *proc.Process) bool {
	cl := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.probe, nil)
		if resp, err := cl.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-pr.Done():
			return true // watch handles the exit
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *pod) setReady(c *container, ready bool) {
	p.mu.Lock()
	changed := c.ready != ready
	c.ready = ready
	stopping := p.stopping
	p.mu.Unlock()
	if changed && !stopping {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.reportStatus(ctx); err != nil {
			p.agent.log.Warn("pod status", "pod", p.key, "error", err)
		}
	}
}

// reportStatus writes the Pod's status from what runs: Running with its IP, containers
// and Ready as the processes and probes say.
func (p *pod) reportStatus(ctx context.Context) error {
	p.mu.Lock()
	var statuses []corev1.ContainerStatus
	allReady := len(p.ctrs) > 0
	for _, c := range p.ctrs {
		running := c.p != nil && c.p.Running()
		cs := corev1.ContainerStatus{Name: c.name, Ready: c.ready && running, RestartCount: c.restarts, Started: &running,
			Image: c.image, ImageID: "nodeagent://" + c.image, ContainerID: "nodeagent://" + p.key + "/" + c.name}
		if running {
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: p.started}
		} else {
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "NotRunning", Message: c.lastExit}
		}
		allReady = allReady && cs.Ready
		statuses = append(statuses, cs)
	}
	p.mu.Unlock()
	ready := corev1.ConditionFalse
	if allReady {
		ready = corev1.ConditionTrue
	}
	now := metav1.Now()
	ip, node := p.ip.String(), p.agent.cfg.NodeIP
	return p.agent.writeStatus(ctx, p.ns, p.name, p.uid, func(st *corev1.PodStatus) {
		st.Phase = corev1.PodRunning
		st.PodIP, st.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		st.HostIP, st.HostIPs = node, []corev1.HostIP{{IP: node}}
		st.StartTime = &p.started
		st.ContainerStatuses = statuses
		st.Conditions = []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: p.started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: p.started},
			{Type: corev1.ContainersReady, Status: ready, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: ready, LastTransitionTime: now},
		}
	})
}

// stop ends the monitors and stops every container (SIGTERM, SIGKILL after grace), in
// reverse start order so the sidecar outlives the app as in a graceful Pod shutdown.
func (p *pod) stop(grace time.Duration) {
	p.mu.Lock()
	p.stopping = true
	cancel, ctrs := p.cancel, p.ctrs
	p.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	p.wg.Wait()
	ctx, done := context.WithTimeout(context.Background(), grace)
	defer done()
	for i := len(ctrs) - 1; i >= 0; i-- {
		if c := ctrs[i]; c.p != nil {
			if err := c.p.Stop(ctx); err != nil {
				p.agent.log.Warn("stop container", "pod", p.key, "container", c.name, "error", err)
			}
		}
	}
	p.agent.log.Info("pod stopped", "pod", p.key)
}

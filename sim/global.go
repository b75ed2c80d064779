package sim

// interArrival is the gap to the next policy write.
func (w *world) interArrival() int64 {
	if w.cfg.ChurnPoisson {
		return w.q.Now() + secs(w.workload.ExpFloat64()/w.cfg.ChurnRate)
	}
	return w.q.Now() + secs(1/w.cfg.ChurnRate)
}

// onWrite: a client writes a policy. While global is down the write is refused and the client
// retries it when global is back.
func (w *world) onWrite(scripted bool) {
	if !scripted {
		if next := w.interArrival(); next <= w.end {
			w.at(next, evWrite, -1, 0, 0)
		}
	}
	if !w.gUp {
		w.deferred++
		w.tracef("write refused: global down")
		return
	}
	w.submit()
}

// submit queues one write on global's single intake (validate + durable store).
func (w *world) submit() {
	w.submitted++
	w.pending++
	done := max(w.q.Now(), w.intakeFree) + w.intake.draw(1)
	w.m.busy(-1, max(w.q.Now(), w.intakeFree), done, 1)
	w.intakeFree = done
	w.at(done, evAccept, -1, 0, 0)
}

// onAccept: the write is durable and acknowledged; it becomes the next version and global's
// send pool (GlobalSendWorkers, fluid) sends it to every connected zone in zone order.
func (w *world) onAccept() {
	w.pending--
	if !w.gUp {
		w.deferred++ // not acknowledged before the failover: the client retries
		w.tracef("write lost in failover, client retries")
		return
	}
	now := w.q.Now()
	w.acceptedAt = append(w.acceptedAt, now)
	v := int32(len(w.acceptedAt))
	if w.trace != nil {
		w.tracef("accept v%d", v)
	}
	workers := int64(w.cfg.Costs.GlobalSendWorkers)
	start := max(now, w.sendFree)
	t := start
	for i := range w.zones {
		z := &w.zones[i]
		if !z.connected {
			continue
		}
		t += w.send.draw(1) / workers
		arr := max(t+w.wanDelay(), z.lastArr)
		z.lastArr = arr
		w.at(arr, evReceive, i, z.gen, v)
	}
	w.m.sendBusy(start, t)
	w.sendFree = t
}

// accepted is the newest acknowledged version.
func (w *world) accepted() int32 { return int32(len(w.acceptedAt)) }

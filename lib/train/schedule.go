package train

// LRAt is the learning rate of optimizer step `step` (0-based) of total, as
// transformers' get_linear_schedule_with_warmup computes it: a linear rise
// from 0 over the warm-up steps, then a linear fall to 0 at total. The first
// step of a warm-up therefore runs with learning rate 0 (it still moves
// AdamW's moments), exactly as in the reference.
func (r Recipe) LRAt(step, total int) float64 {
	if r.LRScheduler == "constant" {
		if step < r.WarmupSteps {
			return r.LR * float64(step) / float64(max(1, r.WarmupSteps))
		}
		return r.LR
	}
	if step < r.WarmupSteps {
		return r.LR * float64(step) / float64(max(1, r.WarmupSteps))
	}
	f := float64(total-step) / float64(max(1, total-r.WarmupSteps))
	return r.LR * max(0, f)
}

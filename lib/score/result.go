package score

// Result is ff-score's one line of output. Field order is the documented one.
type Result struct {
	EvalLoss        float64  `json:"eval_loss"`
	BaseEvalLoss    float64  `json:"base_eval_loss"`
	TrainLoss       *float64 `json:"train_loss"`
	Rows            int      `json:"rows"`
	TrainTokens     int64    `json:"train_tokens"`
	EvalTokens      int64    `json:"eval_tokens"`
	Seconds         float64  `json:"seconds"`
	TokensPerSecond float64  `json:"tokens_per_second"`
	Model           string   `json:"model"`
	ModelSHA256     string   `json:"model_sha256"`
	DatasetSHA256   *string  `json:"dataset_sha256"`
	EvalSHA256      string   `json:"eval_sha256"`
	Config          Config   `json:"config"`
	Backend         string   `json:"backend"`
	Version         string   `json:"version"`
	Device          string   `json:"device,omitempty"`
	MemoryBytes     int64    `json:"memory_bytes,omitempty"`
}

package model

// Qwen2 (Qwen2.5): biases on q, k and v only.
func init() {
	Register(&Family{
		Arch:      "Qwen2ForCausalLM",
		ModelType: "qwen2",
		Biases:    func(Config) (qkv, o, mlp bool) { return true, false, false },
	})
}

package model

// Llama (3.x): biases only when attention_bias / mlp_bias say so (Llama 3.2
// has none); rope_scaling "llama3" is handled by the shared RoPE code.
func init() {
	Register(&Family{
		Arch:      "LlamaForCausalLM",
		ModelType: "llama",
		Biases: func(c Config) (qkv, o, mlp bool) {
			return c.AttentionBias, c.AttentionBias, c.MLPBias
		},
	})
}

"""What scripts/make-hf-golden.py and scripts/make-rm-golden.py share: the hash that ties a
golden file to the bytes it was computed from, and the checks that a transformers config uses
only settings Finch's ModelConfig reads. Imported by both; not run on its own."""

from pathlib import Path


def fnv1a64(data: bytes) -> str:
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def file_record(path: Path):
    data = path.read_bytes()
    return {"bytes": len(data), "fnv1a64": fnv1a64(data)}


def rope_theta_of(config):
    params = getattr(config, "rope_parameters", None)
    if isinstance(params, dict) and "rope_theta" in params:
        return float(params["rope_theta"])
    return float(getattr(config, "rope_theta"))


def check_supported(config, directory):
    """Settings Finch's ModelConfig does not read must be at the values Finch assumes."""
    if config.model_type == "gpt2":
        assert config.activation_function == "gelu_new", directory
        assert config.scale_attn_weights and not config.scale_attn_by_inverse_layer_idx, directory
    else:
        assert config.hidden_act == "silu", directory
        assert getattr(config, "head_dim", None) in (None, config.hidden_size // config.num_attention_heads), directory
        assert not getattr(config, "mlp_bias", False), directory
        assert not getattr(config, "use_sliding_window", False), directory
        assert getattr(config, "rope_parameters", {}).get("rope_type", "default") == "default", directory
        if config.model_type == "llama":
            # transformers' Llama puts attention_bias on o_proj too; Finch has q/k/v biases only.
            assert not config.attention_bias, f"{directory}: Finch's llama has no o_proj bias"

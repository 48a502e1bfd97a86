"""A tiny, randomly initialised Stable Diffusion pipeline built from configs, with an offline tokenizer."""

from __future__ import annotations

import json
from pathlib import Path


def build_tiny_pipeline(folder: Path) -> Path:
    """Write a diffusers folder under ``folder`` (no downloads) and return its path."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    # A character-level CLIP vocabulary: every letter and digit, alone and at a word's end.
    vocab = {"<|startoftext|>": 0, "!": 1, "<|endoftext|>": 2}
    for char in "abcdefghijklmnopqrstuvwxyz0123456789":
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(
        str(folder / "vocab.json"), str(folder / "merges.txt"), pad_token="!", model_max_length=77
    )
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        norm_num_groups=4,
        attention_head_dim=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(4, 4, 8, 8),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        norm_num_groups=2,
        layers_per_block=1,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=2,
            pad_token_id=1,
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=2,
            vocab_size=len(vocab),
            max_position_embeddings=77,
            projection_dim=16,
        )
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    target = folder / "tiny-sd"
    pipeline.save_pretrained(target)
    return target


# -- tiny Qwen-Image and FLUX.1 pipelines in a hub cache, under the registry's real repo ids ------------

FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def byte_tokenizer(model_max_length: int, specials: tuple[str, ...] = ()) -> object:
    """An offline byte-level tokenizer (every byte one token; ``specials`` whole), in transformers' fast
    tokenizer class, so pipelines tokenize any text without a download."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {"<pad>": 0, "<eos>": 1, **{char: index + 2 for index, char in enumerate(sorted(alphabet))}}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", model_max_length=model_max_length
    )
    if specials:
        tokenizer.add_special_tokens({"additional_special_tokens": list(specials)})
    return tokenizer


def _snapshot(cache_dir: Path, repo: str) -> Path:
    """The snapshot folder of ``repo`` at FAKE_COMMIT in a huggingface_hub cache, with refs/main set."""
    root = cache_dir / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / "main").write_text(FAKE_COMMIT, encoding="utf-8")
    snapshot = root / "snapshots" / FAKE_COMMIT
    snapshot.mkdir(parents=True, exist_ok=True)
    return snapshot


def tiny_qwen_image() -> object:
    """A random QwenImagePipeline from configs (the sizes of diffusers' own tests/pipelines/qwenimage)."""
    import torch
    from diffusers import (
        AutoencoderKLQwenImage,
        FlowMatchEulerDiscreteScheduler,
        QwenImagePipeline,
        QwenImageTransformer2DModel,
    )
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    torch.manual_seed(0)
    transformer = QwenImageTransformer2DModel(
        patch_size=2,
        in_channels=16,
        out_channels=4,
        num_layers=2,
        attention_head_dim=16,
        num_attention_heads=3,
        joint_attention_dim=16,
        guidance_embeds=False,
        axes_dims_rope=(8, 4, 4),
    )
    vae = AutoencoderKLQwenImage(
        base_dim=24,
        z_dim=4,
        dim_mult=[1, 2, 4],
        num_res_blocks=1,
        temperal_downsample=[False, True],
        latents_mean=[0.0] * 4,
        latents_std=[1.0] * 4,
    )
    config = Qwen2_5_VLConfig(
        text_config={
            "hidden_size": 16,
            "intermediate_size": 16,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
            "rope_theta": 1000000.0,
            "vocab_size": 300,
        },
        vision_config={"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16},
        hidden_size=16,
        vocab_size=300,
        vision_end_token_id=295,
        vision_start_token_id=296,
        vision_token_id=297,
    )
    text_encoder = Qwen2_5_VLForConditionalGeneration(config).eval()
    tokenizer = byte_tokenizer(1024, ("<|im_start|>", "<|im_end|>"))
    return QwenImagePipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
    )


def tiny_flux() -> object:
    """A random FluxPipeline from configs (the sizes of diffusers' own tests/pipelines/flux)."""
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=4,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8],
    )
    clip = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=0,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=300,
            projection_dim=32,
        )
    )
    t5 = T5EncoderModel(T5Config(vocab_size=300, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4))
    vae = AutoencoderKL(
        sample_size=32,
        in_channels=3,
        out_channels=3,
        block_out_channels=(4,),
        layers_per_block=1,
        latent_channels=1,
        norm_num_groups=1,
        use_quant_conv=False,
        use_post_quant_conv=False,
        shift_factor=0.0609,
        scaling_factor=1.5035,
    )
    return FluxPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=clip,
        tokenizer=byte_tokenizer(77),
        text_encoder_2=t5,
        tokenizer_2=byte_tokenizer(512),
    )


def tiny_lora(pipeline: object, folder: Path, weight_name: str) -> Path:
    """A rank-4 LoRA on the transformer's attention, random (B not zero, so fusing changes weights)."""
    import torch
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    transformer = pipeline.transformer  # type: ignore[attr-defined]
    transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_k", "to_v"]))
    torch.manual_seed(1)
    for name, parameter in transformer.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(parameter, std=0.5)
    layers = get_peft_model_state_dict(transformer)
    type(pipeline).save_lora_weights(folder, transformer_lora_layers=layers, weight_name=weight_name)  # type: ignore[attr-defined]
    return folder / weight_name


def build_hub_cache(cache_dir: Path) -> Path:
    """A huggingface_hub cache holding tiny random pipelines under the repo ids of MODEL_SOURCES (and the
    Lightning LoRA file), as ``download_model`` leaves the weights Volume; returns ``cache_dir``."""
    from modal_app.generator import MODEL_SOURCES

    builders = {"qwen-image-lightning": tiny_qwen_image, "flux-schnell": tiny_flux}
    for model_id, source in MODEL_SOURCES.items():
        pipeline = builders[model_id]()
        pipeline.save_pretrained(_snapshot(cache_dir, source.repo))  # type: ignore[attr-defined]
        if source.lora_repo and source.lora_file:  # after saving: the adapter wraps the base layers
            tiny_lora(pipeline, _snapshot(cache_dir, source.lora_repo), source.lora_file)
    return cache_dir

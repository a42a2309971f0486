"""PyTorch adapter: ``augwise.torch.as_dataset(iterator)`` (needs torch)."""

from augwise.loader.torch_adapter import AugwiseDataset, as_dataset

__all__ = ["AugwiseDataset", "as_dataset"]

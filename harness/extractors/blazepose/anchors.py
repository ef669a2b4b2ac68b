"""SSD anchors of MediaPipe's BlazePose person detector.

The detector regresses every box and keypoint relative to one of 2254 fixed anchors, so
the anchors must be generated exactly as MediaPipe's ``SsdAnchorsCalculator`` does with
the options of its published graph ``mediapipe/modules/pose_detection/
pose_detection_cpu.pbtxt``: 5 layers, scales 0.1484375 to 0.75, a 224x224 input, strides
8, 16, 32, 32, 32, aspect ratio 1.0 plus one interpolated anchor per cell, offsets 0.5 and
fixed anchor size. Layers that share a stride share one feature map, so the stride-32
layers give 6 anchors per cell of a 7x7 map: 28*28*2 + 14*14*2 + 7*7*6 = 2254.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnchorOptions:
    """``SsdAnchorsCalculatorOptions`` (the fields the pose detector's graph sets)."""

    num_layers: int = 5
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    input_height: int = 224
    input_width: int = 224
    anchor_offset_x: float = 0.5
    anchor_offset_y: float = 0.5
    strides: tuple[int, ...] = (8, 16, 32, 32, 32)
    aspect_ratios: tuple[float, ...] = (1.0,)
    # The calculator's own defaults (the graph leaves them unset).
    interpolated_scale_aspect_ratio: float = 1.0
    reduce_boxes_in_lowest_layer: bool = False
    fixed_anchor_size: bool = True


#: The options of MediaPipe's pose detection graph.
POSE_DETECTION = AnchorOptions()


def _scale(options: AnchorOptions, index: int) -> float:
    """Linear interpolation between min and max scale over the strides."""
    count = len(options.strides)
    if count == 1:
        return (options.min_scale + options.max_scale) / 2
    return options.min_scale + (options.max_scale - options.min_scale) * index / (count - 1)


def _layer_shapes(options: AnchorOptions, first: int, last: int) -> list[tuple[float, float]]:
    """(height, width) of the anchors of every cell of the layers ``first..last-1``."""
    shapes = []
    for layer in range(first, last):
        scale = _scale(options, layer)
        if layer == 0 and options.reduce_boxes_in_lowest_layer:
            pairs = [(1.0, 0.1), (2.0, scale), (0.5, scale)]
        else:
            pairs = [(ratio, scale) for ratio in options.aspect_ratios]
            if options.interpolated_scale_aspect_ratio > 0:
                # The extra anchor sits between this layer's scale and the next one's.
                last = layer == len(options.strides) - 1
                following = 1.0 if last else _scale(options, layer + 1)
                ratio = options.interpolated_scale_aspect_ratio
                pairs.append((ratio, math.sqrt(scale * following)))
        shapes += [(s / math.sqrt(ratio), s * math.sqrt(ratio)) for ratio, s in pairs]
    return shapes


def ssd_anchors(options: AnchorOptions = POSE_DETECTION) -> np.ndarray:
    """Anchors as float32 (N, 4): x centre, y centre, width, height (input fractions).

    Parameters
    ----------
    options
        The calculator's options; the default is MediaPipe's pose detection graph.

    Returns
    -------
    numpy.ndarray
        One row per anchor in the model's output order: layer by layer (layers with the
        same stride merged), then row-major over the feature map, then anchor per cell.
    """
    if len(options.strides) != options.num_layers:
        raise ValueError(
            f"anchor options: {len(options.strides)} strides for {options.num_layers} layers"
        )
    rows: list[tuple[float, float, float, float]] = []
    layer = 0
    while layer < options.num_layers:
        last = layer
        while last < options.num_layers and options.strides[last] == options.strides[layer]:
            last += 1
        shapes = _layer_shapes(options, layer, last)
        stride = options.strides[layer]
        rows_count = math.ceil(options.input_height / stride)
        cols_count = math.ceil(options.input_width / stride)
        for y in range(rows_count):
            y_centre = (y + options.anchor_offset_y) / rows_count
            for x in range(cols_count):
                x_centre = (x + options.anchor_offset_x) / cols_count
                for height, width in shapes:
                    if options.fixed_anchor_size:
                        height = width = 1.0
                    rows.append((x_centre, y_centre, width, height))
        layer = last
    return np.asarray(rows, np.float32)

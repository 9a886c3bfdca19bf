"""Numbers a chapter's prose may state without gluing them, each with its category.

An entry is an exact phrase of the chapter's markdown (as the reader sees it, outside maths,
code and roles); it covers the numbers inside it. Keep phrases short and specific: an entry
that no longer appears fails the test. Categories:

- ``paper``: a number from a cited paper, with its protocol; the paragraph cites the paper.
- ``lecture``: a number from the lecture the book follows.
- ``constant``: a setting or size fixed in the chapter's code in every mode (a layer width, a
  noise level); budgets that differ between modes are glued instead.
- ``notation``: indices, counts that are part of a definition ("the two terms"), list items.
- ``exercise``: a setting an exercise asks the reader to try.
"""

CATEGORIES = {"paper", "lecture", "constant", "notation", "exercise"}

# Chapters whose prose is not yet glued: their scan is expected to fail (strict xfail).
PENDING = {
    "01_tsne", "02_autoencoders", "02b_retrieval", "02c_denoising_contractive",
    "03_conv_autoencoders", "04_pixelrnn", "05_vae", "06_sparse", "06b_stacked_pretraining",
    "07_more_autoencoders", "07b_dae_generative", "07c_reconstruction_vs_classification",
}

ALLOWED: dict[str, list[tuple[str, str]]] = {}

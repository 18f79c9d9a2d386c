"""Research code: corpora, benches, the calibration fit and the notebooks' helpers.

Nothing here runs for a request: the engines (`postprod.align`, `postprod.describe`,
`postprod.compose`, `postprod.render`, `postprod.batch`, `postprod.service`) never import this
package (a test checks it); the `postprod bench ...` commands and the notebooks do. Importing
the package itself loads nothing; import the module you need:

- `truth`: narrations with the true start of every scene (sample project, human dev speech,
  your own hand-marked recordings, synthetic corpus items).
- `cut_scores`: cuts scored against the truth, per-setting summaries, the honest best setting.
- `sweeps`: `AlignOptions` grids and sweeps, in-process or as batch jobs (local pool or Ray).
- `notebook_figures`: the notebooks' plotly figures and a PNG writer.
- `speech_corpus`, `corpus_texts`: the synthetic narration corpus (espeak-ng) and its texts.
- `dev_speech`: scene requests built from the human dev speech with hand-marked timing.
- `corpus_evaluation`: one corpus item aligned and scored scene by scene.
- `calibration_fit`: fits the window calibration table the timestamps engine ships.
- `timestamps_bench`, `describe_bench`, `long_storyboards`, `service_bench`, `render_bench`,
  `batch_bench`: the benches behind `postprod bench ...`.
"""

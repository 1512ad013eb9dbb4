"""``classify train``, ``classify cv`` and ``classify predict``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from .._launch import is_main_process
from ..classify.config import (
    BASELINES,
    ENCODER_MODELS,
    FINETUNE_MODELS,
    MODELS,
    MODES,
    SENTENCE_MODELS,
    ClassifierConfig,
    FinetuneConfig,
    needs_vectors,
)
from ..errors import ConfigError, InvalidArgumentError
from ..progress import waiting
from ._checks import check_output, int_at_least, positive_int, seed
from ._common import (
    add_json_option,
    add_model_device_option,
    add_quiet_option,
    add_vectors_option,
    print_json,
    report_interrupt,
    say_interrupted,
    shows_progress,
)
from ._help import add_deprecated_option


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        choices=list(MODELS),
        default=None,
        help="architecture, baseline or model on a contextual encoder (default: cnn; with --encoder, sentence-logreg)",
    )
    p.add_argument(
        "--encoder",
        default=None,
        metavar="MODEL",
        help="the contextual model of sentence-logreg, sentence-mlp and minilm-finetune: a named model (minilm) "
        "or a model folder (default minilm); alone, it trains sentence-logreg on its sentence vectors",
    )
    p.add_argument("--mode", choices=list(MODES), default="non-static", help="embedding mode (default: non-static)")
    add_vectors_option(p)
    p.add_argument(
        "--epochs", type=positive_int, default=None, metavar="N", help="most epochs (default 15; early stopping)"
    )
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="random seed (default 0)")
    add_model_device_option(p)
    add_deprecated_option(p, "--progress", "progress", flag=True, instead="progress is shown by default (-q hides it)")
    add_quiet_option(p)
    p.add_argument(
        "--config",
        metavar="JSON",
        default=None,
        help='more ClassifierConfig fields as JSON, e.g. \'{"bidirectional": true, "dropout": 0.3}\'',
    )


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classify",
        help="train, cross-validate and use text classifiers",
        description="Text classifiers on word embeddings.",
    )
    csub = p.add_subparsers(dest="classify_command", metavar="ACTION")
    csub.required = True

    t = csub.add_parser(
        "train",
        help="train a classifier and score it on dev (and test) data",
        description="Train a classifier (a neural model on word vectors, or a baseline), choose its epoch on "
        "the dev data, score it on the dev and test data, and save it.",
    )
    t.add_argument("--train", required=True, metavar="FILE", help="training data (LABEL TEXT lines, or CSV)")
    t.add_argument("--dev", metavar="FILE", help="dev data (default: 10%% of --train, stratified)")
    t.add_argument("--test", metavar="FILE", help="test data, scored once at the end")
    _add_model_options(t)
    t.add_argument("-o", "--output", metavar="MODEL", help="save the trained model here")
    t.add_argument(
        "--checkpoint",
        metavar="DIR",
        default=None,
        help="write the training state after every epoch here (neural models)",
    )
    add_deprecated_option(t, "--checkpoint-dir", "checkpoint", instead="use --checkpoint", metavar="DIR")
    t.add_argument(
        "--resume",
        action="store_true",
        help="continue from the latest checkpoint in --checkpoint (with a warning if there is none)",
    )
    t.add_argument(
        "--drop-unseen-labels",
        action="store_true",
        help="drop dev and test examples whose labels the training data never had (default: an error)",
    )
    add_json_option(t)
    t.set_defaults(func=cmd_train)

    c = csub.add_parser(
        "cv",
        help="stratified k-fold cross-validation",
        description="Stratified k-fold cross-validation of a classifier: accuracy and macro-F1 per fold, "
        "their mean and standard deviation.",
    )
    c.add_argument("--data", required=True, metavar="FILE", help="the data (LABEL TEXT lines, or CSV)")
    c.add_argument("--folds", type=int_at_least(2), default=10, metavar="K", help="number of folds (default 10)")
    _add_model_options(c)
    add_json_option(c)
    c.set_defaults(func=cmd_cv)

    q = csub.add_parser(
        "predict",
        help="predict the classes of texts with a saved model",
        description="Predict the class of each TEXT with a model saved by 'classify train -o'. Text output: "
        "one line per TEXT, label<TAB>probability<TAB>text (the likeliest class and the model's probability "
        "for it); on a terminal a header line names the columns. --json gives every class's probability.",
    )
    q.add_argument("--model", required=True, metavar="MODEL", help="a model saved by 'classify train -o'")
    q.add_argument("texts", nargs="+", metavar="TEXT", help="the texts to classify")
    add_quiet_option(q)
    add_json_option(q)
    q.set_defaults(func=cmd_predict)


def _no_constant(name: str) -> None:
    """Refuse the ``NaN``, ``Infinity`` and ``-Infinity`` that Python's JSON reader takes (JSON has none)."""
    raise InvalidArgumentError(f"--config: {name} is not a number JSON allows; give a finite number")


def _resolve_model(args: argparse.Namespace) -> None:
    """Fill in ``--model``: cnn, or sentence-logreg with ``--encoder``."""
    if args.model is None:
        args.model = "sentence-logreg" if args.encoder is not None else "cnn"
    if args.encoder is not None and args.model not in ENCODER_MODELS:
        raise InvalidArgumentError(
            f"--encoder applies to {', '.join(ENCODER_MODELS)}; {args.model} takes none (got {args.encoder!r})"
        )


def _config(args: argparse.Namespace):
    if args.model in FINETUNE_MODELS:
        fields = _config_fields(args)
        try:
            fcfg = FinetuneConfig.from_dict(fields if args.encoder is None else {**fields, "encoder": args.encoder})
        except ConfigError as exc:
            raise ConfigError(f"--config: {exc}") from None
        return fcfg if args.epochs is None else dataclasses.replace(fcfg, epochs=args.epochs)
    if args.model in BASELINES or args.model in SENTENCE_MODELS:
        for option, value in (("--config", args.config), ("--epochs", args.epochs)):
            if value is not None:
                raise InvalidArgumentError(
                    f"{option} applies to the neural models; {args.model} takes none (got {value!r})"
                )
        return None
    fields = _config_fields(args)
    try:
        cfg = ClassifierConfig.from_dict({**fields, "model": args.model, "mode": args.mode})
    except ConfigError as exc:
        raise ConfigError(f"--config: {exc}") from None
    return cfg if args.epochs is None else dataclasses.replace(cfg, epochs=args.epochs)


def _config_fields(args: argparse.Namespace) -> dict:
    try:
        fields = json.loads(args.config, parse_constant=_no_constant) if args.config else {}
    except json.JSONDecodeError as exc:
        raise InvalidArgumentError(f"--config is not valid JSON ({exc}): {args.config!r}") from None
    if not isinstance(fields, dict):
        raise InvalidArgumentError(f"--config must be a JSON object, got {args.config!r}")
    return fields


def _fmt(m: dict) -> str:
    return f"accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}"


def cmd_train(args: argparse.Namespace) -> int:
    from ..classify import read_dataset, train

    _resolve_model(args)
    if args.resume and not args.checkpoint:
        raise InvalidArgumentError("--resume needs --checkpoint DIR")
    finetune = args.model in FINETUNE_MODELS
    if finetune and args.resume:
        raise InvalidArgumentError(f"--resume: {args.model} keeps only its best epoch (--checkpoint DIR/best.pt)")
    if args.checkpoint and (args.model in BASELINES or args.model in SENTENCE_MODELS):
        raise InvalidArgumentError(f"--checkpoint applies to the neural models; {args.model} trains in one go")
    if args.output:  # refused before training: a baseline is an .npz of arrays, a neural model a torch .pt
        arrays = args.model in BASELINES or args.model in SENTENCE_MODELS
        check_output(args.output, [".npz"] if arrays else [".pt"], f"-o (a {args.model} model)")
    tr = read_dataset(args.train)
    dev = read_dataset(args.dev) if args.dev else None
    test = read_dataset(args.test) if args.test else None
    vectors = args.vectors if needs_vectors(args.model, args.mode) else None
    config = _config(args)
    try:
        # the model is saved (-o) as soon as it is trained, before it is scored
        r = train(
            tr,
            dev=dev,
            test=test,
            model=args.model,
            mode=args.mode,
            vectors=vectors,
            config=config,
            encoder=args.encoder,
            seed=args.seed,
            device=args.device,
            progress=getattr(args, "progress", False) or shows_progress(args),
            checkpoint=os.path.join(args.checkpoint, "best.pt") if finetune and args.checkpoint else None,
            checkpoint_dir=None if finetune else args.checkpoint,
            resume=args.resume,
            drop_unseen_labels=args.drop_unseen_labels,
            output=args.output,
        )
    except KeyboardInterrupt as exc:
        if finetune:
            return _finetune_interrupted(exc, args)
        return report_interrupt(exc, args, checkpoint_option="--checkpoint")
    if not is_main_process():  # under torchrun only rank 0 reports and saves
        return 0
    out = r.to_dict()
    if args.json:
        print_json(out)
    else:
        mode = f" ({r.mode})" if r.mode else ""
        print(f"{r.model}{mode} trained in {r.train_seconds:.1f} s")
        print(f"  dev   {_fmt(out['dev'])}")
        if "test" in out:
            print(f"  test  {_fmt(out['test'])}")
        if args.output:
            print(f"saved to {out['output']}")
    return 0


def _finetune_interrupted(exc: KeyboardInterrupt, args: argparse.Namespace) -> int:
    """Say in one line where Ctrl-C (or SIGTERM) stopped fine-tuning and where its best epoch is (a fine-tuned
    encoder keeps no state to resume from); return 130 (143 after SIGTERM)."""
    from ..errors import TrainingInterrupted

    if not isinstance(exc, TrainingInterrupted):
        detail = ""
    elif exc.checkpoint is not None:
        detail = f" after epoch {exc.epoch}; the best epoch so far is saved in {exc.checkpoint}"
    else:
        detail = f" after epoch {exc.epoch}; nothing was saved (--checkpoint DIR keeps the best epoch)"
    return say_interrupted(detail, exc, args)


def cmd_cv(args: argparse.Namespace) -> int:
    from ..classify import cross_validate, read_dataset

    _resolve_model(args)
    data = read_dataset(args.data)
    vectors = args.vectors if needs_vectors(args.model, args.mode) else None
    config = _config(args)
    try:
        r = cross_validate(
            data,
            folds=args.folds,
            model=args.model,
            mode=args.mode,
            vectors=vectors,
            config=config,
            encoder=args.encoder,
            seeds=(args.seed,),
            device=args.device,
            progress=getattr(args, "progress", False) or shows_progress(args),
        )
    except KeyboardInterrupt as exc:
        return report_interrupt(exc, args, checkpoint_option=None)
    if not is_main_process():  # under torchrun only rank 0 reports
        return 0
    out = r.to_dict()
    if args.json:
        print_json(out)
    else:
        mode = f" ({r.mode})" if r.mode else ""
        print(f"{r.model}{mode}, {r.folds}-fold cross-validation on {data.name or args.data}")
        for f in r.per_fold:
            print(f"  fold {f['fold']:>2}  {_fmt(f)}")
        mean, std = out["mean"], out["std"]
        print(
            f"  mean     accuracy {mean['accuracy']:.4f} ± {std['accuracy']:.4f}  "
            f"macro-F1 {mean['macro_f1']:.4f} ± {std['macro_f1']:.4f}   ({r.train_seconds:.1f} s training)"
        )
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from ..classify import load_classifier

    with waiting("loading the model", enabled=shows_progress(args)):
        clf = load_classifier(args.model)
    proba = clf.predict_proba(args.texts)
    names = clf.class_names
    results = []
    for text, p in zip(args.texts, proba):
        best = int(p.argmax())
        results.append(
            {
                "text": text,
                "label": names[best],
                "probability": float(p[best]),
                "probabilities": {c: float(x) for c, x in zip(names, p)},
            }
        )
    if args.json:
        print_json({"predictions": results})
    else:
        if sys.stdout.isatty():  # for the eye only: a file or pipe gets the bare TSV
            print("label\tprobability\ttext")
        for r in results:
            print(f"{r['label']}\t{r['probability']:.3f}\t{r['text']}")
    return 0

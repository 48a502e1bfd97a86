"""The built-in templates' files, copied verbatim into a build (read with importlib.resources).

They form one contract that LLM-written code follows too: ``train.py`` reads ``data.csv`` (the target column
in ``$TARGET``, the task in ``$TASK``) and writes ``model.joblib`` and ``info.json``; ``app.py`` serves
``GET /health``, ``GET /info`` and ``POST /predict`` on ``$HOST``:``$PORT``.
"""

"""Entry point of lambdactl's Python runtime: `python3.X python_bootstrap.py [handler]`.

Run with cwd = the task root and the Lambda environment (`AWS_LAMBDA_RUNTIME_API`, `_HANDLER`,
`LAMBDA_TASK_ROOT`, `AWS_LAMBDA_FUNCTION_*`, ...); see _lambdactl_python_runtime.py. The code
lives there, not here, because a script run as `__main__` is compiled on every start (10-20 ms,
as long as Python's own start-up) while an imported module loads from its cached .pyc.
"""

import os
import sys

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path[0] != here:  # -I / -P leave the script's directory off sys.path
        sys.path.insert(0, here)
    write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, False  # cache it even so
    import _lambdactl_python_runtime

    sys.dont_write_bytecode = write_bytecode
    _lambdactl_python_runtime.run()  # puts the task root in sys.path[0], in place of `here`

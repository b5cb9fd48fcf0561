"""``experimaestro launchers direct generate`` and ``launchers slurm configure``: write a
``launchers.py`` from what this host has, or from what ``sinfo`` says of a Slurm cluster.

Without ``--perform``, the file is printed and nothing is written; an existing file is
replaced only with ``--force`` (and kept as ``launchers.py.bak``).
"""

import difflib
import shutil
import socket
import sys
from pathlib import Path

import click

# (The generators, the host description and the settings are imported by the commands
# that use them: every `experimaestro` command registers this group at start-up.)


def register(cli: click.Group):
    cli.add_command(launchers)


@click.group("launchers")
def launchers():
    """Write a launchers.py for this host or for a Slurm cluster."""


def _output_options(function):
    """--output, --perform and --force, shared by the commands writing a file."""
    function = click.option("-f", "--force", is_flag=True,
                            help="Replace an existing file (kept as FILE.bak)")(function)
    function = click.option("--perform", is_flag=True,
                            help="Write the file (otherwise, print it)")(function)
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                        help="The file to write (default: launchers.py in the configuration"
                             " folder, $XPM_CONFIG_DIR or ~/.config/experimaestro)")(function)


def _size(ctx, param, value):
    """A size option (``2GiB``), in bytes."""
    if value is None:
        return None
    from experimaestro.launcherfinder.units import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).splitlines()[0]) from None


@launchers.group("direct")
def direct():
    """Jobs run on this host."""


@direct.command("generate")
@_output_options
@click.option("--reserve", default="2GiB", show_default=True, callback=_size,
              help="Memory kept for the system (not given to jobs)")
@click.option("--memory-unit", default="256MiB", show_default=True, callback=_size,
              help="Memory counted by one unit of the memory token")
@click.option("--no-tokens", is_flag=True,
              help="No tokens: one DirectLauncher, jobs limited by the number of cores only")
@click.pass_context
def generate(ctx, output, perform, force, reserve, memory_unit, no_tokens):
    """A launchers.py running on this host the jobs that fit it (its cores, memory and
    GPUs); the jobs of all experiments share tokens for cores, memory and GPUs."""
    from experimaestro.launcherfinder.generate.direct import direct_launchers
    from experimaestro.launcherfinder.host import describe, local_host

    host = local_host()
    click.echo(f"This host: {describe(host)}", err=True)
    try:
        text = direct_launchers(host, socket.gethostname().split(".")[0], reserve=reserve,
                                memory_unit=memory_unit, tokens=not no_tokens)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    deliver(ctx, output, text, perform, force)


@launchers.group("slurm")
def slurm():
    """Jobs run on a Slurm cluster."""


@slurm.command("configure")
@_output_options
@click.option("-p", "--partition", "partitions", multiple=True,
              help="A partition to use (repeatable; default: all the partitions that are up),"
                   " in order of preference")
@click.option("--gpu-memory", "gpu_memory", multiple=True, metavar="[TYPE=]SIZE",
              help="Memory of the GPUs of a type, or of all (sinfo does not give it),"
                   " e.g. a100=80GiB (repeatable)")
@click.option("--account", help="sbatch --account of every job")
@click.option("--qos", help="sbatch --qos of every job")
@click.option("--binpath", type=click.Path(file_okay=False),
              help="Folder of the Slurm commands (default: that of sinfo on the PATH)")
@click.option("--sinfo-output", type=click.File(),
              help="Read this saved output of the sinfo command (printed with --help-sinfo)"
                   " instead of running sinfo")
@click.option("--help-sinfo", is_flag=True, help="Print the sinfo command used and exit")
@click.pass_context
def configure(ctx, output, perform, force, partitions, gpu_memory, account, qos, binpath,
              sinfo_output, help_sinfo):
    """A launchers.py sending jobs to the partitions of a Slurm cluster, from what sinfo
    says of them (CPUs, memory, GPUs, time limits)."""
    from experimaestro.launcherfinder.generate.slurm import select, slurm_launchers
    from experimaestro.launchers.slurm import sinfo

    if help_sinfo:
        click.echo(" ".join(sinfo.COMMAND[:-1] + [f"'{sinfo.COMMAND[-1]}'"]))
        return
    try:
        if sinfo_output is not None:
            kinds = sinfo.parse(sinfo_output.read())
            binpath = binpath or "/usr/bin"
        else:
            binpath = str(sinfo.sinfo_path(binpath).parent)
            kinds = sinfo.read(binpath)
        chosen = select(kinds, partitions)
        text = slurm_launchers(
            chosen, gpu_memory=_gpu_memory(gpu_memory), binpath=binpath,
            options={k: v for k, v in (("account", account), ("qos", qos)) if v},
            left_out=[k for k in kinds if k not in chosen and not partitions])
    except (sinfo.SinfoError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Partitions: {', '.join(dict.fromkeys(k.partition for k in chosen))}",
               err=True)
    deliver(ctx, output, text, perform, force)


def _gpu_memory(values) -> dict:
    """{type or "": bytes} from --gpu-memory values."""
    from experimaestro.launcherfinder.units import parse_size

    memory = {}
    for value in values:
        kind, _, size = value.rpartition("=")
        try:
            memory[kind] = parse_size(size)
        except ValueError as exc:
            raise click.BadParameter(f"{value}: {str(exc).splitlines()[0]}",
                                     param_hint="--gpu-memory") from None
    return memory


def deliver(ctx, output, text: str, perform: bool, force: bool):
    """Print `text`, or write it to `output` (never replacing a file silently)."""
    from experimaestro.settings import config_dir

    path = Path(output) if output else config_dir() / "launchers.py"
    compile(text, str(path), "exec")  # a generated file must at least be valid Python
    current = path.read_text() if path.exists() else None
    if not perform:
        click.echo(text, nl=False)
        if current == text:
            click.echo(f"(nothing to do: {path} is already this file)", err=True)
        elif current is not None:
            click.echo(f"(nothing written: {path} exists and differs; add --perform --force"
                       " to replace it)", err=True)
        else:
            click.echo(f"(nothing written: add --perform to write {path})", err=True)
        return
    if current == text:
        click.echo(f"{path} is up to date", err=True)
        return
    if current is not None and not force:
        sys.stdout.writelines(difflib.unified_diff(
            current.splitlines(True), text.splitlines(True), str(path), "new"))
        click.echo(f"Error: {path} exists (the differences are above): add --force to"
                   f" replace it (it is then kept as {path.name}.bak)", err=True)
        ctx.exit(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if current is not None:
        shutil.copy2(path, path.with_name(path.name + ".bak"))
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)
    kept = f" (the previous one is {path.name}.bak)" if current is not None else ""
    click.echo(f"Wrote {path}{kept}", err=True)

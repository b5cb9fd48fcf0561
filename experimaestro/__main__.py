from experimaestro.cli import main

main()

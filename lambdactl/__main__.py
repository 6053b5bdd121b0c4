from lambdactl.cli.main import main

main()

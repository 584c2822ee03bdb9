using Qllm.Tool.CommandLine;

return await QllmCommandLine.RunAsync(args, Console.Out, Console.Error);

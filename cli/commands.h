/* commands.h — the uat subcommands. Each takes argv with argv[0] the subcommand name and
 * returns a process exit code (cli.h). */
#ifndef UAT_COMMANDS_H
#define UAT_COMMANDS_H

int uat_cmd_xor(int argc, char **argv);
int uat_cmd_predict(int argc, char **argv);
int uat_cmd_ode(int argc, char **argv);
int uat_cmd_sym(int argc, char **argv);
int uat_cmd_gradcheck(int argc, char **argv);
int uat_cmd_fit(int argc, char **argv);
int uat_cmd_eval(int argc, char **argv);
int uat_cmd_fit_node(int argc, char **argv); /* uat fit --target ode-data:... (cmd_node.c) */
int uat_cmd_sweep(int argc, char **argv);
int uat_cmd_logic(int argc, char **argv);
int uat_cmd_adapt(int argc, char **argv);
int uat_cmd_control(int argc, char **argv);
int uat_cmd_extract(int argc, char **argv);
int uat_extract_sindy(int argc, char **argv); /* uat extract sindy (cmd_sindy.c) */
int uat_cmd_memory(int argc, char **argv);

#endif
